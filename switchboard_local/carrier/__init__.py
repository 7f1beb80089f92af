"""The local carrier: a Twilio-protocol stand-in, so local calls and texts run the production path."""
