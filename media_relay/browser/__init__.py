"""Web calls: a browser (or any WebSocket client) as the far end of a call, beside Twilio's Media Streams."""
