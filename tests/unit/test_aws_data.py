"""The DynamoDB client's botocore data, prebuilt at layer build (switchboard/aws_data.py), is what botocore's
JSON loader gives, and a client made from it sends the same requests."""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from botocore.loaders import JSONFileLoader, Loader

from switchboard.aws_data import LISTED_TYPES, PrebuiltFileLoader, PrebuiltLoader, build, use_prebuilt


class Sent(Exception):
    """Raised in place of sending: carries the request botocore would have sent."""


def same_values_and_types(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_values_and_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_values_and_types(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("layer") / "botocore_data.pickle"
    build(target)
    return target


def test_every_prebuilt_file_is_what_botocores_json_loader_makes(prebuilt: Path) -> None:
    files = pickle.loads(prebuilt.read_bytes())["files"]
    assert {"endpoints", "partitions", "sdk-default-configuration", "dynamodb/2012-08-10/service-2",
            "dynamodb/2012-08-10/endpoint-rule-set-1"} <= set(files)
    for name, blob in files.items():
        made = JSONFileLoader().load_file(os.path.join(Loader.BUILTIN_DATA_PATH, name))
        assert isinstance(made, OrderedDict) and same_values_and_types(pickle.loads(blob), made), name


def client_request(session: Any, **kwargs: Any) -> Any:
    client = session.create_client("dynamodb", region_name="eu-west-1", aws_access_key_id="a",
                                   aws_secret_access_key="b", **kwargs)

    def capture(request: Any, **_: Any) -> None:
        raise Sent(request)

    client.meta.events.register("before-send", capture)
    with pytest.raises(Sent) as sent:
        client.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "x"}},
                     Limit=5)
    request = sent.value.args[0]
    return (client.meta.endpoint_url, request.method, request.url, request.body,
            {k: v for k, v in request.headers.items() if k not in ("X-Amz-Date", "Authorization", "User-Agent",
                                                                   "amz-sdk-invocation-id")})


@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:4566"])
def test_a_client_from_the_prebuilt_data_sends_what_one_from_the_json_sends(prebuilt: Path,
                                                                            endpoint: str | None) -> None:
    plain, fast = botocore.session.get_session(), botocore.session.get_session()
    assert use_prebuilt(fast, prebuilt)
    loader = fast.get_component("data_loader")
    assert isinstance(loader, PrebuiltLoader) and isinstance(loader.file_loader, PrebuiltFileLoader)
    assert loader.search_paths == plain.get_component("data_loader").search_paths
    assert client_request(fast, endpoint_url=endpoint) == client_request(plain, endpoint_url=endpoint)


def test_the_prebuilt_files_answer_and_others_are_read_from_json(prebuilt: Path) -> None:
    served: list[str] = []

    class Counting(PrebuiltFileLoader):
        def load_file(self, file_path: str) -> Any:
            served.append(file_path)
            return super().load_file(file_path)

    session = botocore.session.get_session()
    use_prebuilt(session, prebuilt)
    loader = session.get_component("data_loader")
    loader.file_loader = Counting(loader.file_loader.root, loader.file_loader.files)
    session.create_client("dynamodb", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    assert any(path.endswith("dynamodb/2012-08-10/service-2") for path in served)
    sqs = session.create_client("sqs", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    assert "SendMessage" in sqs.meta.service_model.operation_names  # not prebuilt: read from botocore's JSON


def test_another_botocores_data_or_none_is_not_used(prebuilt: Path, tmp_path: Path) -> None:
    stale = tmp_path / "stale.pickle"
    stale.write_bytes(pickle.dumps({**pickle.loads(prebuilt.read_bytes()), "botocore": "0.0.1"}))
    assert botocore.__version__ != "0.0.1"
    for path in (stale, tmp_path / "missing.pickle"):
        session = botocore.session.get_session()
        assert not use_prebuilt(session, path)
        assert type(session.get_component("data_loader").file_loader) is JSONFileLoader


def test_the_prebuilt_list_of_services_is_botocores_own(prebuilt: Path) -> None:
    session = botocore.session.get_session()
    use_prebuilt(session, prebuilt)
    live = Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False)
    for kind in LISTED_TYPES:
        assert session.get_component("data_loader").list_available_services(kind) == \
            live.list_available_services(kind)


def test_services_of_another_search_path_are_listed_too(prebuilt: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "madeup" / "2020-01-01" / "service-2.json"
    model.parent.mkdir(parents=True)
    model.write_text("{}")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    session = botocore.session.get_session()
    assert use_prebuilt(session, prebuilt)
    services = session.get_component("data_loader").list_available_services("service-2")
    assert "madeup" in services and "dynamodb" in services
