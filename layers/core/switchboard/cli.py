"""`switchboard` command: operator tasks against the configured deployment (table from settings)."""

from __future__ import annotations

import argparse
import json
import sys

from switchboard.container import Container, get_container
from switchboard.scope import Scope


def create_project(name: str) -> dict[str, str]:
    """Create a project and print its API key once (only the key's hash is stored)."""
    created = get_container().projects.create(name)
    return {"projectId": created.project_id, "apiKey": created.api_key}


def feedback(container: Container, project_id: str, sub_account_id: str | None, limit: int) -> list[dict[str, object]]:
    """A project's feedback, newest first (`POST /v1/feedback`), as `GET /v1/feedback` shows it."""
    items, _, _ = container.feedback.list(Scope(project_id, sub_account_id), limit, 0)
    return items


def main(argv: list[str] | None = None, container: Container | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create-project", help="create a project and print a new API key")
    make.add_argument("name", nargs="?", default="default")
    read = sub.add_parser("feedback", help="print a project's feedback (newest first) as JSON lines")
    read.add_argument("project_id")
    read.add_argument("--sub-account", default=None)
    read.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)
    if args.command == "create-project":
        print(json.dumps(create_project(args.name), indent=2))
        print("Keep the apiKey now: it is stored only as a SHA-256 hash.", file=sys.stderr)
    elif args.command == "feedback":
        for entry in feedback(container or get_container(), args.project_id, args.sub_account, args.limit):
            print(json.dumps(entry))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
