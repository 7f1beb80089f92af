"""The development stack (`switchboard_local`) never reaches production: no production module imports it,
and neither the Lambda layer's content nor the relay image's build context holds it."""

from __future__ import annotations

import ast
from pathlib import Path

from switchboard.store.schema import load_template
from tests.support.dockerfile import DOCKERIGNORE, REPO, parse

DEV_PACKAGE = "switchboard_local"
PRODUCTION = [REPO / "layers" / "core" / "switchboard", REPO / "functions", REPO / "media_relay"]


def dev_references(source: str) -> list[str]:
    """Every import of the dev package in `source`, and every string naming it (importlib, -m, paths)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if DEV_PACKAGE in node.value else []
        found += [f"line {getattr(node, 'lineno', '?')}: {name}" for name in names
                  if name == DEV_PACKAGE or name.startswith(f"{DEV_PACKAGE}.") or DEV_PACKAGE in name]
    return found


def production_sources() -> list[Path]:
    return sorted(p for root in PRODUCTION for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_scanner_sees_imports_and_dynamic_references() -> None:
    assert dev_references("from switchboard_local.pollers import DeliveryPoller")
    assert dev_references("def f():\n    import switchboard_local.carrier.app")
    assert dev_references("importlib.import_module('switchboard_local.runtime')")
    assert not dev_references("from switchboard.local_things import x\nimport switchboard.webhooks")


def test_no_production_module_imports_the_dev_package() -> None:
    sources = production_sources()
    assert len(sources) > 100, "the production trees moved? update PRODUCTION"
    offenders = {str(p.relative_to(REPO)): refs for p in sources if (refs := dev_references(p.read_text()))}
    assert not offenders, f"production code reaches the development stack: {offenders}"


def test_the_lambda_layer_does_not_hold_the_dev_package() -> None:
    layer = load_template(REPO / "template.yaml")["Resources"]["CoreLayer"]["Properties"]["ContentUri"]
    content = (REPO / layer).resolve()
    assert not (REPO / DEV_PACKAGE).resolve().is_relative_to(content)
    assert not [p for p in content.rglob("*") if DEV_PACKAGE in p.parts or p.name in ("local", "localcarrier")]


def test_the_relay_image_does_not_copy_the_dev_package() -> None:
    sources = [word.rstrip("/") for ins in parse() if ins.name == "COPY" and "--from" not in ins.args
               for word in ins.words()[:-1]]
    assert sources and "." not in sources
    assert not [s for s in sources if (REPO / DEV_PACKAGE).resolve().is_relative_to((REPO / s).resolve())]
    allowed = [line[1:].strip() for line in DOCKERIGNORE.read_text().splitlines() if line.startswith("!")]
    assert not [a for a in allowed if a.rstrip("/") == DEV_PACKAGE or a in ("*", "**")]
