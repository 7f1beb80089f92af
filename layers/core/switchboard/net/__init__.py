"""Outbound requests to URLs tenants choose: the address guard and the one client that applies it."""
