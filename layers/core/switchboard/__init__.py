"""Switchboard's shared domain: models, store, carrier, webhooks and services.

Installed (editable) for tests and the relay, and shipped as the Lambda layer.
"""
