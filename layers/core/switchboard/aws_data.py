"""The AWS SDK data the API's DynamoDB client loads, decoded when the layer is built instead of at every cold start.

A botocore client loads its service's model and endpoint rules and the SDK's endpoint data from
botocore/data, and decodes each JSON file into OrderedDicts: ~30 ms of a cold start here, most of it the
1.2 MB endpoints.json; and it checks the service's name against the services botocore ships, listed by
walking botocore/data's ~450 directories once per type of file (~10 ms). The layer build
(layers/core/Makefile) loads the files the DynamoDB client needs with botocore's own JSON loader, and
lists the services with botocore's own Loader, and stores them pickled beside this module; `use_prebuilt`
gives the session a loader that answers from those (the same OrderedDicts, unpickled in about half the
time of a parse). Only for the botocore version they were made from, only for files in botocore's own
data directory, and the list only while that is the one search path that exists: any other file or
search path, another botocore or no prebuilt file at all (tests, local mode) is read as before. The pickle
is part of the read-only layer, as trusted as its code.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import JSONFileLoader, Loader, instance_cache

PREBUILT = Path(__file__).with_name("botocore_data.pickle")
# What a DynamoDB client loads from botocore/data (the service's files under its latest API version).
SDK_FILES = ("endpoints", "partitions", "sdk-default-configuration")
SERVICES = ("dynamodb",)
SERVICE_FILES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")
# The types of file a client checks its service name against the list of services of.
LISTED_TYPES = ("service-2", "endpoint-rule-set-1")


class PrebuiltFileLoader(JSONFileLoader):
    """botocore's JSON file loader, answering the prebuilt files (relative to `root`) from their pickles."""

    def __init__(self, root: str, files: dict[str, bytes]) -> None:
        super().__init__()
        self.root, self.files = root, files

    def load_file(self, file_path: str) -> Any:
        if file_path.startswith(self.root + os.sep):
            blob = self.files.get(file_path[len(self.root) + 1:])
            if blob is not None:
                return pickle.loads(blob)  # a new object on every load, as a JSON decode gives
        return super().load_file(file_path)


class PrebuiltLoader(Loader):
    """botocore's Loader, answering which services botocore ships with the list made at build time.

    Listing them walks botocore/data's ~450 directories, once for each type a client loads (~10 ms). The
    list made at build time answers only while botocore/data is the one search path that exists (a
    ~/.aws/models or AWS_DATA_PATH directory may add services): otherwise the directories are walked.
    """

    def __init__(self, search_paths: list[str], file_loader: JSONFileLoader, listed: dict[str, list[str]]) -> None:
        super().__init__(extra_search_paths=list(search_paths), file_loader=file_loader,
                         include_default_search_paths=False)
        self.listed = listed

    @instance_cache
    def list_available_services(self, type_name: str) -> list[str]:
        listed = self.listed.get(type_name)
        if listed is not None and [p for p in self.search_paths if os.path.isdir(p)] == [self.BUILTIN_DATA_PATH]:
            return list(listed)
        return super().list_available_services(type_name)  # type: ignore[no-any-return]


def build(target: Path = PREBUILT) -> list[str]:
    """Decode the files with botocore's own loader and write them pickled to `target`; the names written."""
    root = Loader.BUILTIN_DATA_PATH
    versions = Loader(extra_search_paths=[root], include_default_search_paths=False)
    names = list(SDK_FILES) + [f"{service}/{versions.determine_latest_version(service, 'service-2')}/{kind}"
                               for service in SERVICES for kind in SERVICE_FILES]
    decoder, files = JSONFileLoader(), {}
    for name in names:
        data = decoder.load_file(os.path.join(root, name))
        if data is not None:
            files[name] = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    listed = {kind: versions.list_available_services(kind) for kind in LISTED_TYPES}
    target.write_bytes(pickle.dumps({"botocore": botocore.__version__, "files": files, "listed": listed},
                                    protocol=pickle.HIGHEST_PROTOCOL))
    return sorted(files)


def use_prebuilt(session: Any, prebuilt: Path = PREBUILT) -> bool:
    """Give `session` a data loader that reads the prebuilt data, if it exists and matches this botocore."""
    try:
        cache = pickle.loads(prebuilt.read_bytes())
    except FileNotFoundError:
        return False
    if cache["botocore"] != botocore.__version__:
        return False
    made = session.get_component("data_loader")  # the session's own: its search paths (AWS_DATA_PATH and all)
    session.register_component("data_loader", PrebuiltLoader(
        made.search_paths, PrebuiltFileLoader(Loader.BUILTIN_DATA_PATH, cache["files"]), cache["listed"]))
    return True


if __name__ == "__main__":  # the layer build: python -m switchboard.aws_data [TARGET]
    written = build(Path(sys.argv[1]) if len(sys.argv) > 1 else PREBUILT)
    print(f"prebuilt botocore data: {', '.join(written)}")
