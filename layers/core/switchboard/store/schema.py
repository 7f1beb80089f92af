"""Create the table from the very definition `template.yaml` deploys (local mode and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class _CfnLoader(yaml.SafeLoader):
    """Loads CloudFormation YAML, keeping intrinsic tags (!Ref, !GetAtt, ...) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _any_tag)


def load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)


def _as_new_stack(value: Any) -> Any:
    """Resolve `!If` as a new stack with default parameters does (its conditions hold) and drop `AWS::NoValue`.

    The template's only conditions on the table are there for updating older stacks in steps.
    """
    if isinstance(value, dict):
        if set(value) == {"If"}:
            return _as_new_stack(value["If"][1])
        return {k: _as_new_stack(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_new_stack(v) for v in value if v != {"Ref": "AWS::NoValue"}]
    return value


def table_definition(template_path: Path, resource: str = "Table") -> dict[str, Any]:
    """The table resource's Properties, as a new stack would create them."""
    return _as_new_stack(load_template(template_path)["Resources"][resource]["Properties"])


def create_table(client: Any, table_name: str, template_path: Path) -> None:
    """Create the table (and its TTL setting) exactly as the template declares it."""
    props = table_definition(template_path)
    client.create_table(
        TableName=table_name,
        BillingMode=props["BillingMode"],
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props.get("GlobalSecondaryIndexes", []),
    )
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        client.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
