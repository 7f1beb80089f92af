"""Local mode: the whole platform on one machine, offline (`make dev`)."""
