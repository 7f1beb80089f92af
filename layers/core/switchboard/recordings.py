"""Call recordings in S3 (moto's emulator locally): one private, encrypted WAV object per call.

Objects are written with server-side encryption and read back only through the API (with the
project's key or a signed link) or a short-lived presigned URL the API hands out. Keys name the
project, so a project's recordings can be found and deleted together with its calls.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONTENT_TYPE = "audio/wav"


def recording_key(project_id: str, call_id: str) -> str:
    return f"recordings/{project_id}/{call_id}.wav"


@dataclass(frozen=True)
class StoredRecording:
    key: str
    size: int


class RecordingStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    def ensure_bucket(self) -> None:
        """Local mode: create the bucket, encrypted at rest like the template's (idempotent)."""
        with contextlib.suppress(self.client.exceptions.BucketAlreadyOwnedByYou):
            self.client.create_bucket(Bucket=self.bucket)
        self.client.put_bucket_encryption(Bucket=self.bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})

    def upload(self, path: Path, key: str) -> None:
        """Stream a spooled file up (multipart for large files: never read whole into memory)."""
        self.client.upload_file(str(path), self.bucket, key,
                                ExtraArgs={"ContentType": CONTENT_TYPE, "ServerSideEncryption": "AES256"})

    def head(self, key: str) -> StoredRecording | None:
        try:
            resp = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredRecording(key, int(resp["ContentLength"]))

    def body(self, key: str) -> Any:
        """The object's streaming body (read it in chunks)."""
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def presign(self, key: str, seconds: int) -> str:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": CONTENT_TYPE},
            ExpiresIn=seconds)

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start:start + 1000]]
            if batch:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
