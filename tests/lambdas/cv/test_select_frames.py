import json
import re

import pytest
from cv import select_frames
from cv.errors import UnknownTaskType
from cv.jobs import job_name

from shared.errors import InvalidInput
from tests.lambdas.cv.cvaws import BUCKET, STARTED_AT, call


def run(execution_id="arn:exec:1", task_type="bounding_box"):
    return call(
        select_frames.handler, {"taskType": task_type, "executionId": execution_id, "startedAt": STARTED_AT}
    )


def test_claims_the_oldest_frames_up_to_the_cap_and_writes_the_selection(aws):
    for index in range(5):
        aws.put_frame(
            f"cam-1/2026-11-0{index + 1}", cameraId="cam-1", detectionsKey=f"detections/{index}.json"
        )
    aws.put_frame("cam-2/2026-11-01", task="floor_tape")

    result = run()

    assert result["count"] == 3  # MAX_FRAMES
    assert result["jobName"] == job_name("stepwise-test-cv", "bounding_box", "arn:exec:1", STARTED_AT)
    selection = json.loads(aws.s3.get_object(Bucket=BUCKET, Key=result["selectionKey"])["Body"].read())
    assert [f["frameId"] for f in selection["frames"]] == [
        "cam-1/2026-11-01",
        "cam-1/2026-11-02",
        "cam-1/2026-11-03",
    ]
    assert selection["frames"][0] == {
        "frameId": "cam-1/2026-11-01",
        "s3Key": "frames/cam-1/2026-11-01.jpg",
        "cameraId": "cam-1",
        "detectionsKey": "detections/0.json",
    }
    claimed = aws.frame("cam-1/2026-11-01")
    assert claimed["labelStatus"] == "LABELING" and claimed["labelingJob"] == result["jobName"]
    assert "awaitingTask" not in claimed
    assert aws.frame("cam-1/2026-11-04")["awaitingTask"] == "bounding_box"
    assert aws.frame("cam-2/2026-11-01")["awaitingTask"] == "floor_tape"


def test_nothing_awaiting_returns_zero_and_writes_nothing(aws):
    aws.put_frame("cam-2/2026-11-01", task="floor_tape")
    result = run()
    assert result == {"count": 0, "jobName": result["jobName"], "taskType": "bounding_box"}
    assert aws.keys() == []


def test_a_retry_of_the_same_run_keeps_its_claims_and_does_not_take_more(aws):
    for index in range(5):
        aws.put_frame(f"f{index}")
    first = run()
    second = run()
    assert second["jobName"] == first["jobName"] and second["count"] == 3
    assert sum(1 for i in range(5) if aws.frame(f"f{i}")["labelStatus"] == "LABELING") == 3


def test_another_run_only_gets_the_frames_still_awaiting(aws):
    for index in range(5):
        aws.put_frame(f"f{index}")
    first, second = run("arn:exec:1"), run("arn:exec:2")
    assert first["jobName"] != second["jobName"]
    assert (first["count"], second["count"]) == (3, 2)
    owners = {aws.frame(f"f{i}")["labelingJob"] for i in range(5)}
    assert owners == {first["jobName"], second["jobName"]}


def test_frames_without_an_image_key_are_left_awaiting(aws):
    aws.frames.put_item(Item={"frameId": "broken", "awaitingTask": "bounding_box", "capturedAt": "0"})
    assert run()["count"] == 0
    assert aws.frame("broken")["awaitingTask"] == "bounding_box"


def test_rejects_unknown_task_types_and_missing_run_context(aws):
    with pytest.raises(UnknownTaskType):
        run(task_type="segmentation")
    with pytest.raises(InvalidInput):
        call(select_frames.handler, {"taskType": "bounding_box"})


def test_job_names_are_valid_sagemaker_names_and_stable():
    prefix, started = "stepwise-a-very-long-environment-name-cv", "2026-01-02T03:04:05Z"
    name = job_name(prefix, "floor_tape", "arn:x", started)
    assert len(name) <= 63
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", name)
    assert "-tape-202601020304-" in name
    assert name == job_name(prefix, "floor_tape", "arn:x", started)
    assert name != job_name(prefix, "floor_tape", "arn:y", started)


def test_refuses_a_run_input_with_fields_besides_task_type_before_claiming(aws):
    aws.frames.put_item(
        Item={"frameId": "f0", "s3Key": "frames/f0.jpg", "awaitingTask": "bounding_box", "capturedAt": "0"}
    )
    context = {"taskType": "bounding_box", "executionId": "arn:exec:1", "startedAt": STARTED_AT}
    for request in ({"taskType": "bounding_box", "maxFrames": 1}, ["bounding_box"], "bounding_box"):
        with pytest.raises(InvalidInput):
            call(select_frames.handler, {**context, "request": request})
    assert aws.frame("f0")["awaitingTask"] == "bounding_box"
    assert call(select_frames.handler, {**context, "request": {"taskType": "bounding_box"}})["count"] == 1
