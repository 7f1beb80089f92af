"""FastAPI's pydantic.v1 checks answer without importing pydantic.v1 (switchboard/api/pydantic_v1.py), and as
before once it is imported. In a fresh interpreter: whether pydantic.v1 is loaded is process-wide state."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys, warnings
    from switchboard.api.app import create_app
    from switchboard.container import Container
    from switchboard.settings import Settings

    app = create_app(Container(Settings()))
    app.state.route_groups.ensure_all()  # every route's annotations through FastAPI's checks
    app.openapi()
    assert "pydantic.v1" not in sys.modules, "building the routes imported pydantic.v1"

    from fastapi import encoders
    from fastapi._compat import shared
    import pydantic
    assert not shared.annotation_is_pydantic_v1(pydantic.BaseModel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic import v1

    class Old(v1.BaseModel):
        name: str

    assert shared.annotation_is_pydantic_v1(Old) and shared.annotation_is_pydantic_v1(list[Old])
    assert encoders.is_pydantic_v1_model_instance(Old(name="x"))
    assert not shared.annotation_is_pydantic_v1(pydantic.BaseModel)
    print("ok")
""")


def test_routes_build_without_pydantic_v1_and_v1_models_are_still_recognised() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
