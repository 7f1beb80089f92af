"""Webhook signing, SSRF guard, event queue and delivery."""
