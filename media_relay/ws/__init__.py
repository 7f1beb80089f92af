"""The relay's WebSocket layer: websockets' sans-I/O protocol on a bare asyncio.Protocol.

`websockets`' asyncio server cost 79 µs per received message (a task wake-up, an assembler, locks
and a generator-based parser), against 18 µs for a bare protocol doing the same reads. Here the
HTTP handshake, control frames, fragmented messages and every error path stay with websockets'
sans-I/O `ServerProtocol`; only whole, masked, unfragmented data frames (every frame a media
stream sends) take a fast path that unmasks them with websockets' own C `apply_mask`.
"""

from media_relay.ws.connection import WsConnection
from media_relay.ws.server import WsServer

__all__ = ["WsConnection", "WsServer"]
