"""FastAPI imported with its own pydantic models built on first use: the OpenAPI document's models cost a cold start.

`import fastapi` defines the ~40 pydantic models of the OpenAPI document (`fastapi.openapi.models`) and a few
more (`fastapi.exceptions`, security credentials, server-sent events), and pydantic builds each one's
validator and serializer as its class is made: ~50 ms of the API's cold init, for models that only
`/openapi.json` and FastAPI features this API does not use ever validate with. Pydantic's `defer_build`
makes the same validator from the same schema the first time a model is used instead (FastAPI's module
still rebuilds three of them, `Schema`, `Operation` and `Encoding`, at import). The default is changed
only while FastAPI is first imported and put back at once: our models, and every model defined later,
are built as before. Once FastAPI is imported, `import_fastapi` does nothing (tests/unit/test_fastapi_import.py
holds the models' schemas, the OpenAPI document and FastAPI's answers to a plain import's, and checks that
only FastAPI's own models were deferred).
"""

from __future__ import annotations

import sys

from pydantic._internal import _config


def import_fastapi() -> None:
    """Import FastAPI, deferring its own models' build, unless it is already imported."""
    if "fastapi" in sys.modules:
        return
    defaults = _config.config_defaults
    before = defaults["defer_build"]
    defaults["defer_build"] = True
    try:
        import fastapi  # noqa: F401
    finally:
        defaults["defer_build"] = before
