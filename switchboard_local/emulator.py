"""The local AWS emulator: moto's server over real HTTP, with DynamoDB's isolation kept.

DynamoDB applies a `TransactWriteItems` (conditions and writes) atomically, and the plan's limits
rely on that (two concurrent purchases of the last allowed number: one wins). moto's threaded
server checks and writes without a lock, so concurrent transactions could both pass. Here each
DynamoDB request runs alone; the other services keep moto's threads. And a transaction is rolled
back from copies of the items it names rather than of whole tables (transactions.py), so writes do
not slow down as the table grows.

DynamoDB keeps HTTP connections alive; werkzeug's server closes every one, which costs each client
request a new TCP connection (~0.75 ms of the relay's CPU per DynamoDB write, measured). So DynamoDB
requests keep their connection, as against the real service (`KeepAliveHandler`).
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


def keeps_alive(headers: Any) -> bool:
    """A DynamoDB request with a sized body: moto reads that body whole, so the next request starts clean."""
    return (headers.get("X-Amz-Target", "").startswith(DYNAMODB_TARGET) and "Content-Length" in headers
            and "Transfer-Encoding" not in headers and headers.get("Connection", "").lower() != "close")


class _Undrained:
    """The socket's reader as werkzeug's after-response drain sees it: empty (it would eat the next request)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def read(self, size: int = -1) -> bytes:
        return b""


def keep_alive_handler(base: type) -> type:
    """`base` (werkzeug's request handler) keeping DynamoDB's connections open.

    werkzeug closes every connection, then drains the socket; a kept connection needs neither.
    """

    class KeepAliveHandler(base):  # type: ignore[misc, valid-type]
        # A response goes out as two writes (headers, body): on a kept connection Nagle holds the body
        # until the client's delayed ACK of the headers, 40 ms a request; a closing one flushed it.
        disable_nagle_algorithm = True

        def run_wsgi(self) -> None:
            if not keeps_alive(self.headers):
                return super().run_wsgi()
            real: Any = self.rfile  # type: ignore[has-type]  # (the base class is only known at run time)
            self.rfile = _Undrained(real)
            try:
                return super().run_wsgi()
            finally:
                self.rfile = real

        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            if isinstance(self.rfile, _Undrained):
                environ["wsgi.input"] = self.rfile.real  # the app reads the body from the socket
            return environ

        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() == "connection" and value.lower() == "close" and isinstance(self.rfile, _Undrained):
                return  # http.server then reads the connection's next request
            super().send_header(keyword, value)

    return KeepAliveHandler


def start_emulator(host: str, port: int) -> Any:
    """moto's server on `host:port` (a daemon thread); `.stop()` ends it."""
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, ThreadedMotoServer, create_backend_app
    from werkzeug.serving import make_server

    from switchboard_local import transactions

    transactions.install()

    class Server(ThreadedMotoServer):  # moto is pinned: its server entry is overridden to wrap the app
        def _server_entry(self) -> None:
            app = DynamoSerializer(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True,
                                       request_handler=keep_alive_handler(MotoRequestHandler))
            self._server_ready_event.set()
            self._server.serve_forever()

    server = Server(ip_address=host, port=port, verbose=False)
    server.start()
    return server
