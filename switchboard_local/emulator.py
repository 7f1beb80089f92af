"""The local AWS emulator: moto's server over real HTTP, with DynamoDB's isolation kept.

DynamoDB applies a `TransactWriteItems` (conditions and writes) atomically, and the plan's limits
rely on that (two concurrent purchases of the last allowed number: one wins). moto's threaded
server checks and writes without a lock, so concurrent transactions could both pass. Here each
DynamoDB request runs alone; the other services keep moto's threads. And a transaction is rolled
back from copies of the items it names rather than of whole tables (transactions.py), so writes do
not slow down as the table grows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

DYNAMODB_TARGET = "DynamoDB_"


class DynamoSerializer:
    """WSGI middleware: one DynamoDB request at a time, as one table's transactions would see it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))  # the body is produced inside the lock


def start_emulator(host: str, port: int) -> Any:
    """moto's server on `host:port` (a daemon thread); `.stop()` ends it."""
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, ThreadedMotoServer, create_backend_app
    from werkzeug.serving import make_server

    from switchboard_local import transactions

    transactions.install()

    class Server(ThreadedMotoServer):  # moto is pinned: its server entry is overridden to wrap the app
        def _server_entry(self) -> None:
            app = DynamoSerializer(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = Server(ip_address=host, port=port, verbose=False)
    server.start()
    return server
