"""`/mcp`: AgentPhone's MCP tools (same 28 names and arguments as agentphone-mcp) served by the API itself.

Streamable HTTP with stateless JSON responses, so it runs on Lambda; callers authenticate with their
API key as a Bearer token. Tools call the same services as the REST routes, in process.
"""
