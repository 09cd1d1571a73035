"""A Distributed Map `ItemReader` over `s3:listObjectsV2` reads every page, in Step Functions' item shape.

moto read only the first page and failed on an empty prefix. localrun lists every page, yields `[]`
for no objects, and shapes each item as Step Functions does: `{"Etag", "Key", "LastModified"
(epoch seconds), "Size", "StorageClass"}`.

Upstream: no moto issue found.
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
    resource_eval_s3,
)

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/fixes/test_list_objects_pages.py"


def install() -> None:
    replace(resource_eval_s3.ResourceEvalS3, "_handle_list_objects_v2", _build_list_objects)


def _build_list_objects(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    def list_objects_v2(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        client = resource_eval_s3.ResourceEvalS3._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        parameters = dict(env.stack.pop())
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("list_objects_v2").paginate(**parameters):
            items.extend(_item(entry) for entry in page.get("Contents", []))
        env.stack.append(items)

    return staticmethod(list_objects_v2)


def _item(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "Etag": entry.get("ETag"),
        "Key": entry["Key"],
        "LastModified": int(entry["LastModified"].timestamp()),
        "Size": entry.get("Size", 0),
        "StorageClass": entry.get("StorageClass", "STANDARD"),
    }
