"""FastAPI imported with its own models' build deferred (switchboard/api/fastapi_import.py) gives the same
schemas, the same OpenAPI document and the same answers as a plain import. Fresh interpreters: what was
imported first is process-wide state."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys
    if sys.argv[1] == "deferred":
        from switchboard.api.fastapi_import import import_fastapi
        import_fastapi()
    import fastapi
    import pydantic
    from pydantic._internal import _config

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    fastapi_models = sorted({m for m in subclasses(pydantic.BaseModel) if m.__module__.startswith("fastapi.")},
                            key=lambda m: f"{m.__module__}.{m.__qualname__}")
    deferred = sorted(f"{m.__module__}.{m.__qualname__}" for m in set(subclasses(pydantic.BaseModel))
                      if not m.__pydantic_complete__)
    assert _config.config_defaults["defer_build"] is False, "pydantic's default was not put back"

    class Later(pydantic.BaseModel):
        name: str

    assert Later.__pydantic_complete__, "a model defined after the import was deferred too"

    from fastapi.testclient import TestClient
    from switchboard.api.app import create_app
    from switchboard.container import Container
    from switchboard.settings import Settings

    small = fastapi.FastAPI()

    @small.post("/things")
    def make(thing: Later, limit: int = 1) -> Later:
        return thing

    app = create_app(Container(Settings()))
    app.state.route_groups.ensure_all()
    answers = [TestClient(small).post("/things?limit=x", json={"name": 3}).json(),
               TestClient(small).post("/things", json={"name": "a"}).json(),
               TestClient(app).get("/v1/agents?limit=nope").json(), TestClient(app).get("/openapi.json").json()]
    schemas = {f"{m.__module__}.{m.__qualname__}": m.model_json_schema() for m in fastapi_models}
    security = fastapi.security.HTTPBearer(description="d").model.model_dump(mode="json")
    print(json.dumps({"deferred": deferred, "schemas": schemas, "answers": answers, "security": security}))
""")


def run(mode: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_deferred_import_defers_only_fastapis_models_and_changes_nothing_they_do() -> None:
    plain, deferred = run("plain"), run("deferred")
    # (a plain import leaves a few incomplete itself: forward references FastAPI never rebuilds)
    assert set(plain["deferred"]) < set(deferred["deferred"])  # type: ignore[call-overload]
    newly = set(deferred["deferred"]) - set(plain["deferred"])  # type: ignore[call-overload]
    assert all(name.startswith("fastapi.") for name in newly), newly
    assert "fastapi.openapi.models.OpenAPI" in deferred["deferred"]  # type: ignore[operator]
    assert deferred["schemas"] == plain["schemas"]
    assert deferred["security"] == plain["security"]
    assert deferred["answers"] == plain["answers"]
    assert len(json.dumps(plain["answers"])) > 10_000  # the whole OpenAPI document was compared
