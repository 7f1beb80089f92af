"""The media relay: holds each call's Twilio Media Streams socket and runs its voice pipeline."""
