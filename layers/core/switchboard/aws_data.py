"""The AWS SDK data the API's DynamoDB client loads, decoded when the layer is built instead of at every cold start.

A botocore client loads its service's model and endpoint rules and the SDK's endpoint data from
botocore/data, and decodes each JSON file into OrderedDicts: ~30 ms of a cold start here, most of it the
1.2 MB endpoints.json. The layer build (layers/core/Makefile) loads the files the DynamoDB client needs
with botocore's own JSON loader and stores each one pickled beside this module; `use_prebuilt` makes the
session's loader unpickle those instead (about half the time: the same OrderedDicts, made without
parsing). Only for the botocore version they were made from, and only for files in botocore's own data
directory: any other file, another botocore or no prebuilt file at all (tests, local mode) is read by
botocore's JSON loader as before. The pickle is part of the read-only layer, as trusted as its code.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import JSONFileLoader, Loader

PREBUILT = Path(__file__).with_name("botocore_data.pickle")
# What a DynamoDB client loads from botocore/data (the service's files under its latest API version).
SDK_FILES = ("endpoints", "partitions", "sdk-default-configuration")
SERVICES = ("dynamodb",)
SERVICE_FILES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")


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
    target.write_bytes(pickle.dumps({"botocore": botocore.__version__, "files": files},
                                    protocol=pickle.HIGHEST_PROTOCOL))
    return sorted(files)


def use_prebuilt(session: Any, prebuilt: Path = PREBUILT) -> bool:
    """Have `session`'s data loader read the prebuilt files, if they exist and match this botocore."""
    try:
        cache = pickle.loads(prebuilt.read_bytes())
    except FileNotFoundError:
        return False
    if cache["botocore"] != botocore.__version__:
        return False
    loader = session.get_component("data_loader")
    loader.file_loader = PrebuiltFileLoader(Loader.BUILTIN_DATA_PATH, cache["files"])
    return True


if __name__ == "__main__":  # the layer build: python -m switchboard.aws_data [TARGET]
    written = build(Path(sys.argv[1]) if len(sys.argv) > 1 else PREBUILT)
    print(f"prebuilt botocore data: {', '.join(written)}")
