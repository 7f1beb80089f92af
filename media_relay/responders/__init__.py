"""Who answers a caller's turn: the agent's webhook, or its own language model (hosted mode)."""
