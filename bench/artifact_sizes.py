"""What SAM would upload: each function's zip and the core layer's, built from the template's paths.

Our code is zipped as SAM zips it (the CodeUri / ContentUri directory, without __pycache__ or .pyc);
the layer's dependencies (layers/core/requirements.txt and what they require) are summed from this
virtualenv's installed files, unzipped (x86_64 wheels here, arm64 in AWS: about the same size), since
Lambda's limit is 250 MB unzipped for a function and its layers together.
Run: .venv/bin/python bench/artifact_sizes.py
"""

from __future__ import annotations

import io
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from switchboard.store.schema import load_template

REPO = Path(__file__).resolve().parents[1]
CACHES = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")


def code_dirs(repo: Path = REPO) -> dict[str, Path]:
    """{resource name: the directory SAM zips}, for every function and layer in template.yaml."""
    template = load_template(repo / "template.yaml")
    out = {}
    for name, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        uri = props.get("CodeUri") or props.get("ContentUri")
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion") and uri:
            out[name] = repo / uri
    return out


def zipped(directory: Path) -> tuple[int, int, int]:
    """(files, bytes unzipped, bytes zipped) of `directory`, caches left out, deflated as SAM does."""
    buffer = io.BytesIO()
    files = raw = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_dir() or path.suffix == ".pyc" or set(CACHES) & set(path.parts):
                continue
            archive.write(path, path.relative_to(directory))
            files, raw = files + 1, raw + path.stat().st_size
    return files, raw, len(buffer.getvalue())


def dependency_bytes(requirements: Path) -> tuple[int, int]:
    """(distributions, bytes installed) of the requirements and everything they pull in, this venv's files."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    todo = [(req.name, set(req.extras)) for line in requirements.read_text().splitlines()
            if line.strip() and not line.startswith("#") for req in [Requirement(line.strip())]]
    visited: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        dist = metadata.distribution(name)
        key = dist.metadata["Name"].lower().replace("_", "-")
        if (key, frozenset(extras)) in visited:
            continue
        visited.add((key, frozenset(extras)))
        seen[key] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            todo.append((req.name, set(req.extras)))
    files = [Path(str(dist.locate_file(f))) for dist in seen.values() for f in dist.files or []
             if f.suffix != ".pyc" and "__pycache__" not in f.parts]
    size = sum(f.stat().st_size for f in files if f.exists())
    return len(seen), size


def report(repo: Path = REPO) -> list[str]:
    lines = []
    for name, directory in code_dirs(repo).items():
        files, raw, packed = zipped(directory)
        lines.append(f"{name:<20} {directory.relative_to(repo)}/: {files} files, {raw / 1024:.0f} KiB, "
                     f"zip {packed / 1024:.0f} KiB")
    dists, size = dependency_bytes(repo / "layers" / "core" / "requirements.txt")
    lines.append(f"{'layer dependencies':<20} {dists} distributions from layers/core/requirements.txt: "
                 f"{size / 2**20:.1f} MiB unzipped (Lambda's limit: 250 MiB with the function)")
    return lines


if __name__ == "__main__":
    print("\n".join(report(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else REPO)))
