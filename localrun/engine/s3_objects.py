"""S3 object responses and aws-sdk result names as the S3 API Reference documents them.

- Every object is encrypted: "Amazon S3 now applies server-side encryption with Amazon S3 managed
  keys (SSE-S3) as the base level of encryption for every bucket in Amazon S3" (S3 User Guide,
  "Protecting data with server-side encryption"), and PutObject, GetObject and HeadObject return
  `ServerSideEncryption` (`x-amz-server-side-encryption`, `AES256` for SSE-S3). moto left the
  header out for objects stored without an explicit encryption setting.
- PutObject's `ChecksumType`: "For PutObject uploads, the checksum type is always FULL_OBJECT"
  (PutObject, S3 API Reference); moto returned the checksum without its type.
- aws-sdk task results keep the API's member names where an acronym sits inside a name
  (`ChecksumCRC32`, `ChecksumSHA256`, as S3 documents them); moto re-cased every acronym
  (`ChecksumCrc32`). A name that *starts* with an acronym keeps Step Functions' spelling, the AWS
  SDK for Java 2.x member name with its first letter capitalized (`MD5OfMessageBody` ->
  `Md5OfMessageBody`, `SSEKMSKeyId` -> `SsekmsKeyId`), which moto already produced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.s3.models import FakeKey
from moto.s3.responses import S3Response
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_service_emulation.py"

SSE_S3 = "AES256"
_CHECKSUM_HEADER = "x-amz-checksum-"
_CHECKSUM_TYPE = "x-amz-checksum-type"


def install() -> None:
    replace(FakeKey, "response_dict", _build_response_dict)
    replace(S3Response, "put_object", _build_put_object)
    replace(StateTaskServiceAwsSdk, "_to_sfn_cased", lambda original: staticmethod(sfn_member_name))


def sfn_member_name(member: str) -> str:
    """An API member's name in an aws-sdk task result: only a leading acronym is re-cased."""
    if not member:
        return member
    index = 1
    while (
        index < len(member)
        and member[index].isupper()
        and not (index + 1 < len(member) and member[index + 1].islower())
    ):
        index += 1
    return member[0].upper() + member[1:index].lower() + member[index:]


def _build_response_dict(original: property) -> property:
    def response_dict(self: FakeKey) -> dict[str, Any]:
        headers: dict[str, Any] = original.fget(self)  # type: ignore[misc]
        headers.setdefault("x-amz-server-side-encryption", SSE_S3)
        return headers

    return property(response_dict)


def _build_put_object(original: Callable[[S3Response], Any]) -> Callable[..., Any]:
    def put_object(self: S3Response) -> Any:
        status, headers, body = original(self)
        checksums = [name for name in headers if name.startswith(_CHECKSUM_HEADER) and name != _CHECKSUM_TYPE]
        if checksums and _CHECKSUM_TYPE not in headers:
            headers[_CHECKSUM_TYPE] = "FULL_OBJECT"
        return status, headers, body

    return put_object
