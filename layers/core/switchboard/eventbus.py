"""The platform's event bus: the port events go out through, and its EventBridge adapter."""

from __future__ import annotations

import json
from typing import Any, Protocol

from switchboard.errors import UpstreamError


class EventBus(Protocol):
    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        """Put one event; returns its id."""
        ...


class EventBridgeBus:
    def __init__(self, events_client: Any, bus_name: str) -> None:
        self.client = events_client
        self.bus_name = bus_name

    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        resp = self.client.put_events(Entries=[{
            "EventBusName": self.bus_name, "Source": source, "DetailType": detail_type,
            "Detail": json.dumps(detail, default=str),
        }])
        entry = (resp.get("Entries") or [{}])[0]
        if resp.get("FailedEntryCount") or not entry.get("EventId"):
            # PutEvents answers 200 and reports refusals per entry (throttling, size, a missing bus).
            raise UpstreamError(f"EventBridge refused the {detail_type} event: "
                                f"{entry.get('ErrorCode', 'unknown')} {entry.get('ErrorMessage', '')}".strip(),
                                status=503)
        return str(entry["EventId"])
