"""Pydantic models at the edges: API requests and responses, webhook payloads, stored documents.

Field names are the wire's camelCase names, so one model serves the API output, the
stored document and the webhook payload.
"""
