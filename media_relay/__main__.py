"""`python -m media_relay`: run the relay (settings from the environment)."""

from media_relay.server import run

run()
