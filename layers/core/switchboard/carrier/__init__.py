"""The carrier port (numbers, calls, SMS) and its Twilio adapter."""
