from __future__ import annotations

from media_relay.templating import fill


def test_known_variables_fill_and_unknown_ones_vanish() -> None:
    assert fill("Hi {{name}}, about {{ topic }}.", {"name": "Ada", "topic": "teeth"}) == "Hi Ada, about teeth."
    assert fill("Hi {{name}}!", None) == "Hi !"
    assert fill("Hi {{name}}!", {"name": None}) == "Hi !"
