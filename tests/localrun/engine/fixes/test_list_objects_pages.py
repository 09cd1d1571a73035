"""An S3 listObjectsV2 ItemReader over an empty prefix yields no items (`fixes/list_objects_pages.py`)."""

from __future__ import annotations

from localrun import LocalRunner
from tests.localrun.conftest import kitchen_sink_template


def test_distributed_map_over_an_empty_prefix_yields_no_items() -> None:
    with LocalRunner(kitchen_sink_template()) as empty:
        result = empty.run(
            {"orderId": "o-0", "items": [{"sku": "plum"}], "express": True},
            on_task_token=lambda token: {"approver": "ann"},
        )

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["prepared"]["documents"] == []
