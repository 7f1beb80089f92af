"""The local emulator keeps DynamoDB's connections alive, as the real service does (a new TCP
connection per request cost the relay ~0.75 ms of CPU per write, which DynamoDB never charges)."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

from switchboard_local.emulator import keeps_alive

LIST_TABLES = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0",
               "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
                                "SignedHeaders=host, Signature=0"}


def test_two_dynamodb_requests_share_one_connection(moto_endpoint: str) -> None:
    url = urlsplit(moto_endpoint)
    conn = http.client.HTTPConnection(url.hostname or "", url.port)
    try:
        for _ in range(2):
            conn.request("POST", "/", body=json.dumps({}), headers=LIST_TABLES)
            response = conn.getresponse()
            assert response.status == 200
            assert "TableNames" in json.loads(response.read())
            assert response.getheader("Connection") != "close"
        assert conn.sock is not None  # http.client drops a socket the server said it would close
    finally:
        conn.close()


def test_requests_on_a_kept_connection_are_not_held_back(moto_endpoint: str) -> None:
    """Nagle's algorithm against the client's delayed ACK would hold each response's body 40 ms."""
    url = urlsplit(moto_endpoint)
    conn = http.client.HTTPConnection(url.hostname or "", url.port)
    try:
        started = time.monotonic()
        for _ in range(20):
            conn.request("POST", "/", body=json.dumps({}), headers=LIST_TABLES)
            conn.getresponse().read()
        assert time.monotonic() - started < 0.6  # >= 0.8 s when each waits for a delayed ACK
    finally:
        conn.close()


def test_only_sized_dynamodb_requests_keep_their_connection() -> None:
    dynamo = {"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Length": "2"}
    assert keeps_alive(dynamo)
    assert not keeps_alive({**dynamo, "Connection": "close"})
    assert not keeps_alive({"X-Amz-Target": "DynamoDB_20120810.PutItem", "Transfer-Encoding": "chunked"})
    assert not keeps_alive({"Content-Length": "2"})  # S3 and the rest: werkzeug's default
