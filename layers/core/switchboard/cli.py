"""`switchboard` command: operator tasks against the configured deployment (table from settings)."""

from __future__ import annotations

import argparse
import json
import sys

from switchboard.container import get_container


def create_project(name: str) -> dict[str, str]:
    """Create a project and print its API key once (only the key's hash is stored)."""
    created = get_container().projects.create(name)
    return {"projectId": created.project_id, "apiKey": created.api_key}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create-project", help="create a project and print a new API key")
    make.add_argument("name", nargs="?", default="default")
    args = parser.parse_args(argv)
    if args.command == "create-project":
        print(json.dumps(create_project(args.name), indent=2))
        print("Keep the apiKey now: it is stored only as a SHA-256 hash.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
