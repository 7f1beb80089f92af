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


def backfill_lists(container: Container, project_ids: list[str]) -> dict[str, int]:
    """Counters and state-index keys for items older than them (README, "Updating"): what was written."""
    from switchboard.store.backfill import Backfill

    report = Backfill(container.table, container.clock).run(project_ids or None)
    return {"projects": report.projects, "keysSet": report.keys_set, "ownersBuilt": report.owners_built,
            "retries": report.retries}


def keys_command(container: Container, args: argparse.Namespace) -> list[dict[str, object]]:
    """`switchboard keys list|create|revoke|rotate`: the same operations as /v1/api-keys."""
    repo = container.projects.keys
    if container.projects.get(args.project_id) is None:
        raise SystemExit(f"switchboard: no project '{args.project_id}'")
    if args.action == "list":
        return repo.list(args.project_id, 100, 0)[0]
    if args.action == "create":
        return [repo.create(args.project_id, args.name)]
    if not args.key_id:
        raise SystemExit(f"switchboard: 'keys {args.action}' needs a key id (see 'keys list')")
    if args.action == "rotate":
        return [repo.rotate(args.project_id, args.key_id)]
    # The operator may revoke a project's last key (a new one can be made here at any time).
    return [repo.revoke(args.project_id, args.key_id, allow_last=True)]


def main(argv: list[str] | None = None, container: Container | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create-project", help="create a project and print a new API key")
    make.add_argument("name", nargs="?", default="default")
    keys = sub.add_parser("keys", help="list, create, revoke or rotate a project's API keys (JSON lines)")
    keys.add_argument("action", choices=["list", "create", "revoke", "rotate"])
    keys.add_argument("project_id")
    keys.add_argument("key_id", nargs="?", default=None)
    keys.add_argument("--name", default=None)
    fill = sub.add_parser("backfill-lists", help="build list counters and state keys of a table made before "
                          "them (one-off, idempotent; after the deploy)")
    fill.add_argument("project_ids", nargs="*", help="only these projects (default: every project)")
    read = sub.add_parser("feedback", help="print a project's feedback (newest first) as JSON lines")
    read.add_argument("project_id")
    read.add_argument("--sub-account", default=None)
    read.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)
    if args.command == "create-project":
        print(json.dumps(create_project(args.name), indent=2))
        print("Keep the apiKey now: it is stored only as a SHA-256 hash.", file=sys.stderr)
    elif args.command == "keys":
        for entry in keys_command(container or get_container(), args):
            print(json.dumps(entry))
        if args.action in ("create", "rotate"):
            print("Keep the key now: it is stored only as a SHA-256 hash.", file=sys.stderr)
    elif args.command == "backfill-lists":
        print(json.dumps(backfill_lists(container or get_container(), args.project_ids)))
    elif args.command == "feedback":
        for entry in feedback(container or get_container(), args.project_id, args.sub_account, args.limit):
            print(json.dumps(entry))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
