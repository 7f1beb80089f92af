"""Carrier-facing routes (/telephony/twilio/*): inbound calls, status and SMS callbacks."""
