"""Settings read the environment as pydantic-settings' BaseSettings did (switchboard/settings.py's EnvSettings):
each case builds the same fields on BaseSettings and compares what both make of one environment."""

from __future__ import annotations

import os
from typing import Any

import pytest
from pydantic import ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from switchboard.settings import EnvSettings, PlanLimits, Settings


def as_base_settings(model: type[EnvSettings]) -> type[BaseSettings]:
    """`model`'s fields on pydantic-settings' BaseSettings, configured as the old models were."""
    fields: dict[str, Any] = {name: (field.annotation, field) for name, field in model.model_fields.items()}
    base = create_model(f"Fields{model.__name__}", __base__=BaseSettings, **fields)
    return type(f"Old{model.__name__}", (base,),
                {"model_config": SettingsConfigDict(env_prefix=model.env_prefix, extra="ignore")})


ENVIRONMENTS = [
    {},
    {"SWITCHBOARD_TABLE_NAME": "t1", "AWS_REGION": "eu-west-1", "SWITCHBOARD_LOCAL_MODE": "true"},
    {"switchboard_table_name": "lower", "SWITCHBOARD_LOCAL_MODE": "0", "SWITCHBOARD_CARRIER": "twilio"},
    {"SWITCHBOARD_LONG_POLL_MAX_SECONDS": "25", "SWITCHBOARD_RECORDING_INLINE_MAX_BYTES": "4000000",
     "SWITCHBOARD_PUBLIC_BASE_URL": "", "SWITCHBOARD_AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
    {"SWITCHBOARD_PLAN_NUMBERS": "7", "SWITCHBOARD_PLAN_SUB_ACCOUNT_NUMBERS": "2", "SWITCHBOARD_PLAN_NAME": "pro"},
    {"SWITCHBOARD_UNKNOWN": "x", "TABLE_NAME": "no prefix", "SWITCHBOARD_REGION": "not the alias"},
    {"SWITCHBOARD_LOCAL_MODE": "maybe"},
    {"SWITCHBOARD_CARRIER": "other"},
    {"SWITCHBOARD_RECONCILE_DELAY_SECONDS": "901"},
    {"SWITCHBOARD_RECORDING_INLINE_MAX_BYTES": ""},
    {"SWITCHBOARD_PLAN_NUMBERS": "many"},
]


def outcome(model: type, **kwargs: Any) -> Any:
    try:
        return model(**kwargs).model_dump()
    except ValidationError as exc:
        return [(e["loc"], e["type"]) for e in exc.errors()]


@pytest.mark.parametrize("model", [Settings, PlanLimits])
@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda env: ",".join(env) or "empty")
def test_reads_the_environment_as_base_settings_did(model: type[EnvSettings], env: dict[str, str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.upper().startswith(("SWITCHBOARD_", "AWS_REGION"))]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert outcome(model) == outcome(as_base_settings(model))


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_TABLE_NAME", "from-env")
    monkeypatch.setenv("SWITCHBOARD_PLAN_NUMBERS", "9")
    assert Settings(table_name="given").table_name == "given"
    assert outcome(Settings, table_name="given") == outcome(as_base_settings(Settings), table_name="given")
    assert PlanLimits(numbers=2).numbers == 2 and PlanLimits().numbers == 9
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # an aliased field, passed by its name or its alias
    for given in ({"aws_region": "x"}, {"AWS_REGION": "y"}, {}):
        assert outcome(Settings, **given) == outcome(as_base_settings(Settings), **given)
