"""Where each partition of a merged list resumes: the part of a cursor that is pure bookkeeping."""

from __future__ import annotations

from switchboard.store.list_reads import Source, Window

PARTS = (Source("CALLS#p#completed#web", "gsi5", "CALL#"), Source("CALLS#p#busy#web", "gsi5", "CALL#"))


def _item(part: int, n: int) -> dict[str, str]:
    sk = f"CALL#call_{n:03d}"
    return {"pk": "PROJECT#p", "sk": sk, "gsi5pk": PARTS[part].pk, "gsi5sk": sk}


def _key(part: int, n: int) -> dict[str, str]:
    return PARTS[part].key_of(_item(part, n))


def test_each_part_resumes_after_the_last_item_taken_from_it() -> None:
    items = [(0, _item(0, 9)), (1, _item(1, 8)), (0, _item(0, 7)), (0, _item(0, 5))]
    window = Window(PARTS, items, [{}, {}], fetched=[3, 2], ended=[False, False])
    assert window.after(3) == [{"key": _key(0, 7)}, {"key": _key(1, 8)}]
    assert window.after(1) == [{"key": _key(0, 9)}, {}]  # nothing taken from the second part: it starts over


def test_a_part_read_to_its_end_and_used_up_is_marked_so() -> None:
    items = [(1, _item(1, 8)), (0, _item(0, 7))]
    window = Window(PARTS, items, [{"key": _key(0, 10)}, {}], fetched=[2, 1], ended=[True, True])
    assert window.after(2) == [{"key": _key(0, 7)}, {"end": True}]  # part 0 still holds one fetched item
    assert window.after(0) == [{"key": _key(0, 10)}, {}]


def test_the_key_names_the_index_it_was_read_from() -> None:
    assert set(PARTS[0].key_of(_item(0, 1))) == {"pk", "sk", "gsi5pk", "gsi5sk"}
    assert Source("PROJECT#p", None, "CALL#").key_of(_item(0, 1)) == {"pk": "PROJECT#p", "sk": "CALL#call_001"}
    assert PARTS[0].sort_attr == "gsi5sk" and Source("PROJECT#p").sort_attr == "sk"
