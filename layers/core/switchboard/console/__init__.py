"""The web console: static pages served by the API at /console/ (no build step; plain HTML, CSS and JS).

It signs in with an API key (kept in the tab's sessionStorage) and calls the same /v1 API as any client.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).with_name("static")
