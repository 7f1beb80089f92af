"""The NDJSON parser yields each object as soon as its line completes and skips what is not one."""

from __future__ import annotations

from media_relay.ndjson import NdjsonParser


def test_objects_arrive_line_by_line_across_chunk_boundaries() -> None:
    p = NdjsonParser()
    assert p.feed(b'{"text": "Hel') == []
    assert p.feed(b'lo", "interim": true}\n{"te') == [{"text": "Hello", "interim": True}]
    assert p.feed(b'xt": "Bye"}\r\n') == [{"text": "Bye"}]
    assert p.close() == []


def test_broken_and_non_object_lines_are_skipped_and_reported() -> None:
    p = NdjsonParser()
    out = p.feed(b'not json\n[1,2]\n"str"\n42\n{"text": "ok"}\n\n')
    assert out == [{"text": "ok"}]
    assert len(p.skipped) == 4 and p.skipped[0].startswith("not JSON")


def test_a_single_json_reply_without_newline() -> None:
    p = NdjsonParser()
    assert p.feed(b'{"text": "Just one."}') == []
    assert p.close() == [{"text": "Just one."}]
