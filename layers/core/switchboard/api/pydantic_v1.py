"""FastAPI's pydantic.v1 checks, answered without importing pydantic.v1 while nothing has.

FastAPI asks of each route's annotations (and of each object it encodes) whether it is a pydantic.v1
model, and imports pydantic.v1 to answer: about 25 ms of a cold start, for an API with no v1 model.
Nothing can be a v1 model class or instance unless pydantic.v1 has been imported, so until then the
answer is no without the import; once something has imported it, FastAPI's own check answers.
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import encoders
from fastapi._compat import shared

_fastapi_is_v1_class = shared.is_pydantic_v1_model_class
_fastapi_is_v1_instance = shared.is_pydantic_v1_model_instance


def is_v1_model_class(cls: Any) -> bool:
    return "pydantic.v1" in sys.modules and _fastapi_is_v1_class(cls)


def is_v1_model_instance(obj: Any) -> bool:
    return "pydantic.v1" in sys.modules and _fastapi_is_v1_instance(obj)


def install() -> None:
    """Answer FastAPI's checks here (FastAPI is pinned: these are the names its routing and encoder call)."""
    shared.is_pydantic_v1_model_class = is_v1_model_class
    shared.is_pydantic_v1_model_instance = is_v1_model_instance
    encoders.is_pydantic_v1_model_instance = is_v1_model_instance  # bound by name when encoders was imported
