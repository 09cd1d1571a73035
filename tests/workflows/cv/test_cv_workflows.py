"""Both CV-safety workflows end to end through localrun, with the Ground Truth job mocked per case."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from localrun import LocalRunner
from localrun.samples import discover
from tests.support.synth import app_stacks

LABELING = "Workflow/GroundTruthLabeling/Workflow"
PREPARATION = "Workflow/TapeLabelingPreparation/Workflow"
JOB_ARN = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/stepwise-dev-cv-bbox"


def describe_job(status: str, output_uri: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """A DescribeLabelingJob result as `createLabelingJob.sync` returns it (datetimes as text)."""
    description: dict[str, Any] = {
        "LabelingJobName": "stepwise-dev-cv-job",
        "LabelingJobArn": JOB_ARN,
        "LabelingJobStatus": status,
        "LabelCounters": {
            "TotalLabeled": 3,
            "HumanLabeled": 3,
            "MachineLabeled": 0,
            "FailedNonRetryableError": 1,
        },
        "CreationTime": "2026-11-22T18:30:00Z",
    }
    if output_uri:
        description["LabelingJobOutput"] = {"OutputDatasetS3Uri": output_uri}
    if reason:
        description["FailureReason"] = reason
    return description


# Step Functions Local (and moto) refuse mocked errors named `States.*`; in AWS a failed or stopped
# `.sync` job fails the task with `States.TaskFailed` and the job description as the Cause. The
# workflow catches States.ALL and reads only the Cause, so these stand-in error names are equivalent.
def mock_config(output_uri: str) -> dict[str, Any]:
    return {
        "StateMachines": {
            LABELING: {
                "TestCases": {
                    "Completed": {"CreateLabelingJob": "JobCompleted"},
                    "Failed": {"CreateLabelingJob": "JobFailed"},
                    "Stopped": {"CreateLabelingJob": "JobStopped"},
                }
            }
        },
        "MockedResponses": {
            "JobCompleted": {"0": {"Return": describe_job("Completed", output_uri)}},
            "JobFailed": {
                "0": {
                    "Throw": {
                        "Error": "LabelingJobFailed",
                        "Cause": json.dumps(describe_job("Failed", reason="ClientError: workteam not found")),
                    }
                }
            },
            "JobStopped": {
                "0": {"Throw": {"Error": "LabelingJobStopped", "Cause": json.dumps(describe_job("Stopped"))}}
            },
        },
    }


class Plane:
    """The deployed bucket, tables and event bus of the stack inside the runner's moto."""

    def __init__(self, runner: LocalRunner) -> None:
        self.runner = runner
        self.bucket = runner.resource("Workflow/Data/Data").name
        self.frames = runner.resource("Workflow/Data/Frames").name
        self.cameras = runner.resource("Workflow/Data/Cameras").name
        self.bus = runner.resource("Workflow/Data/Events").name
        self.s3 = runner.client("s3")
        self.dynamodb = runner.client("dynamodb")

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def put_json(self, key: str, document: Any) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(document).encode())

    def get_json(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def keys(self, prefix: str) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def frame(self, frame_id: str) -> dict[str, Any]:
        item = self.dynamodb.get_item(TableName=self.frames, Key={"frameId": {"S": frame_id}})["Item"]
        return {key: next(iter(value.values())) for key, value in item.items()}

    def camera(self, camera_id: str) -> dict[str, Any]:
        item = self.dynamodb.get_item(TableName=self.cameras, Key={"cameraId": {"S": camera_id}})["Item"]
        return {key: next(iter(value.values())) for key, value in item.items()}

    def await_labels(self, frame_id: str, task: str = "bounding_box") -> None:
        self.dynamodb.put_item(
            TableName=self.frames,
            Item={
                "frameId": {"S": frame_id},
                "s3Key": {"S": f"frames/{frame_id}.jpg"},
                "capturedAt": {"S": frame_id},
                "awaitingTask": {"S": task},
                "labelStatus": {"S": "AWAITING_LABELS"},
            },
        )

    def onboard(self, camera_id: str) -> None:
        self.dynamodb.put_item(
            TableName=self.cameras,
            Item={
                "cameraId": {"S": camera_id},
                "pendingPreparation": {"S": "PENDING"},
                "preparationStatus": {"S": "ONBOARDED"},
                "onboardedAt": {"S": "2026-11-22T09:00:00Z"},
            },
        )

    def events_queue(self) -> str:
        """A new SQS queue receiving every event of the CV-safety bus from now on."""
        sqs, events = self.runner.client("sqs"), self.runner.client("events")
        name = f"cv-events-{uuid.uuid4().hex[:8]}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        pattern = json.dumps({"source": ["stepwise.cv-safety"]})
        events.put_rule(Name=name, EventBusName=self.bus, EventPattern=pattern)
        events.put_targets(Rule=name, EventBusName=self.bus, Targets=[{"Id": "queue", "Arn": arn}])
        return url

    def received_events(self, url: str) -> list[dict[str, Any]]:
        messages = self.runner.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        return [json.loads(message["Body"]) for message in messages.get("Messages", [])]

    def reset(self) -> None:
        events = self.runner.client("events")
        for rule in events.list_rules(EventBusName=self.bus)["Rules"]:
            events.remove_targets(Rule=rule["Name"], EventBusName=self.bus, Ids=["queue"])
            events.delete_rule(Name=rule["Name"], EventBusName=self.bus)
        for table, key in ((self.frames, "frameId"), (self.cameras, "cameraId")):
            for item in self.dynamodb.scan(TableName=table, ProjectionExpression=key)["Items"]:
                self.dynamodb.delete_item(TableName=table, Key=item)
        for key in self.keys(""):
            self.s3.delete_object(Bucket=self.bucket, Key=key)


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner.for_stack(app_stacks("dev")["cv"]) as local:
        yield local


@pytest.fixture
def plane(runner: LocalRunner) -> Iterator[Plane]:
    data = Plane(runner)
    data.reset()
    yield data


def run_labeling(runner: LocalRunner, plane: Plane, task_type: str, case: str, output_key: str = "none"):
    return runner.run(
        {"taskType": task_type},
        state_machine=LABELING,
        mock_config=mock_config(plane.uri(output_key)),
        test_case=case,
    )


def scheduled_parameters(result: Any, resource: str) -> dict[str, Any]:
    """The parameters a Task state sent (as recorded in the execution history)."""
    for event in result.events("TaskScheduled"):
        details = event["taskScheduledEventDetails"]
        if details["resource"] == resource:
            return json.loads(details["parameters"])
    raise AssertionError(f"no task scheduled for {resource}")


def write_output_manifest(plane: Plane, key: str, lines: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(line) for line in lines)
    plane.s3.put_object(Bucket=plane.bucket, Key=key, Body=body.encode())


# Workflow 1: Ground Truth labeling ------------------------------------------------------------------


def test_nothing_to_label_succeeds_early_without_creating_a_job(runner, plane):
    plane.await_labels("cam-1/composite", task="floor_tape")

    result = run_labeling(runner, plane, "bounding_box", "Completed")

    assert result.status == "SUCCEEDED"
    assert result.output == {"outcome": "NothingToLabel", "taskType": "bounding_box"}
    assert "CreateLabelingJob" not in result.states and "WriteManifest" not in result.states
    assert plane.frame("cam-1/composite")["awaitingTask"] == "floor_tape"
    assert plane.keys("labeling/") == []


def test_an_unknown_task_type_fails_before_touching_any_frame(runner, plane):
    plane.await_labels("cam-1/f0")
    result = run_labeling(runner, plane, "segmentation", "Completed")
    assert result.status == "FAILED" and result.error == "UnknownTaskType"
    assert result.states == ("ChooseTaskType", "UnknownTaskType")
    assert plane.frame("cam-1/f0")["labelStatus"] == "AWAITING_LABELS"


def test_a_completed_job_curates_the_labels_marks_frames_and_announces_it(runner, plane):
    events = plane.events_queue()
    for index in range(3):
        plane.await_labels(f"cam-1/f{index}")
    output_key = "labeling/output/job/manifests/output/output.manifest"
    person = {"label": "person", "left": 1, "top": 2, "width": 3, "height": 4}
    write_output_manifest(
        plane,
        output_key,
        [
            {
                "source-ref": plane.uri("frames/cam-1/f0.jpg"),
                "frame-id": "cam-1/f0",
                "bounding-box": {"annotations": [person], "workers": 2, "agreement": 0.5},
                "bounding-box-metadata": {"human-annotated": "yes"},
            },
            {
                "source-ref": plane.uri("frames/cam-1/f1.jpg"),
                "frame-id": "cam-1/f1",
                "bounding-box": {"annotations": [], "workers": 2, "agreement": 1.0},
            },
            {
                "source-ref": plane.uri("frames/cam-1/f2.jpg"),
                "frame-id": "cam-1/f2",
                "bounding-box-metadata": {"failure-reason": "ClientError: task expired"},
            },
        ],
    )

    result = run_labeling(runner, plane, "bounding_box", "Completed", output_key)

    assert result.status == "SUCCEEDED", result.cause
    job_name = result.output["jobName"]
    parameters = scheduled_parameters(result, "createLabelingJob.sync")
    assert parameters["LabelingJobName"] == job_name and parameters["LabelAttributeName"] == "bounding-box"
    human = parameters["HumanTaskConfig"]
    assert human["PreHumanTaskLambdaArn"] == runner.function("cv.pre_annotation.handler").arn
    consolidation = human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"]
    assert consolidation == runner.function("cv.consolidation.handler").arn
    assert human["WorkteamArn"].endswith(":workteam/private-crowd/stepwise-cv-safety")
    assert human["UiConfig"]["UiTemplateS3Uri"].endswith(".html")
    manifest_key = parameters["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"].split("/", 3)[3]
    manifest = plane.s3.get_object(Bucket=plane.bucket, Key=manifest_key)["Body"].read().decode().splitlines()
    assert [json.loads(line)["frame-id"] for line in manifest] == ["cam-1/f0", "cam-1/f1", "cam-1/f2"]

    statistics = result.output["statistics"]
    assert statistics["framesLabeled"] == 2 and statistics["framesFailed"] == 1
    assert statistics["classCounts"]["person"] == 1 and statistics["meanWorkerAgreement"] == 0.75
    coco = plane.get_json(f"curated/bounding_box/{job_name}/annotations.coco.json")
    assert len(coco["images"]) == 2 and coco["annotations"][0]["bbox"] == [1.0, 2.0, 3.0, 4.0]
    assert plane.frame("cam-1/f0")["labelStatus"] == "LABELED"
    assert plane.frame("cam-1/f2")["awaitingTask"] == "bounding_box"

    (event,) = plane.received_events(events)
    assert event["detail-type"] == "LabelingJobCompleted"
    assert event["detail"]["jobName"] == job_name and event["detail"]["statistics"] == statistics


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("Failed", "Failed", "ClientError: workteam not found"),
        ("Stopped", "Stopped", "the labeling job was stopped"),
    ],
)
def test_a_failed_or_stopped_job_returns_the_frames_and_announces_why(runner, plane, case, status, reason):
    events = plane.events_queue()
    for index in range(2):
        plane.await_labels(f"cam-2/f{index}")

    result = run_labeling(runner, plane, "bounding_box", case)

    assert result.status == "FAILED" and result.error == "LabelingJobFailed"
    assert "PostProcess" not in result.states
    for index in range(2):
        frame = plane.frame(f"cam-2/f{index}")
        assert frame["labelStatus"] == "AWAITING_LABELS" and frame["awaitingTask"] == "bounding_box"
        assert "labelingJob" not in frame
    (event,) = plane.received_events(events)
    assert event["detail-type"] == "LabelingJobFailed"
    assert event["detail"]["status"] == status and event["detail"]["reason"] == reason
    assert event["detail"]["framesReturned"] == 2


# Workflow 2: floor-tape labeling preparation ----------------------------------------------------------

WIDTH, HEIGHT = 64, 48  # dev settings: 16 px regions, 8 px margin around each detection


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def upload_frames(plane: Plane, camera: str, occluders: list[tuple[int, int, int, int]]) -> np.ndarray:
    """One frame per occluder on a random clean floor, with the detector's box for it."""
    floor = np.random.default_rng(len(camera)).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    for index, (left, top, width, height) in enumerate(occluders):
        frame = floor.copy()
        frame[top : top + height, left : left + width] = (255, 255, 0)
        stem = f"20261122T{index:02d}0000"
        plane.s3.put_object(Bucket=plane.bucket, Key=f"frames/{camera}/{stem}.png", Body=png(frame))
        box = {
            "label": "forklift",
            "confidence": 0.95,
            "left": left,
            "top": top,
            "width": width,
            "height": height,
        }
        plane.put_json(f"detections/{camera}/{stem}.json", {"detections": [box]})
    return floor


def test_no_new_cameras_ends_early(runner, plane):
    result = runner.run({}, state_machine=PREPARATION)
    assert result.status == "SUCCEEDED"
    assert result.output == {"outcome": "NoNewCameras", "cameras": 0}
    assert result.states == ("FindNewCameras", "AnyNewCameras", "NoNewCameras")


def test_cameras_get_a_composite_or_a_retry_and_composites_feed_floor_tape_labeling(runner, plane):
    clear = upload_frames(plane, "cam-clear", [(0, 0, 16, 16), (40, 24, 8, 8), (0, 32, 8, 8)])
    upload_frames(plane, "cam-blocked", [(0, 0, 32, 48), (0, 0, 32, 48)])
    plane.s3.put_object(
        Bucket=plane.bucket, Key="frames/cam-corrupt/20261122T000000.png", Body=b"not an image"
    )
    plane.put_json("detections/cam-corrupt/20261122T000000.json", {"detections": []})
    for camera in ("cam-clear", "cam-blocked", "cam-corrupt", "cam-silent"):
        plane.onboard(camera)

    result = runner.run({}, state_machine=PREPARATION, name="hourly-1")

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {
        "cameras": 4,
        "ready": 1,
        "retry": 2,
        "errors": 1,
        "manifestUri": plane.uri("manifests/floor_tape/hourly-1.manifest"),
    }
    ready = plane.camera("cam-clear")
    assert ready["preparationStatus"] == "READY_FOR_TAPE_ANNOTATION" and "pendingPreparation" not in ready
    assert ready["coveragePercent"] == "100.0"
    composite = np.asarray(
        Image.open(
            io.BytesIO(plane.s3.get_object(Bucket=plane.bucket, Key=ready["compositeKey"])["Body"].read())
        )
    )
    np.testing.assert_array_equal(composite, clear)
    blocked = plane.camera("cam-blocked")
    assert blocked["preparationStatus"] == "RETRY" and blocked["pendingPreparation"] == "PENDING"
    assert blocked["frameCount"] == "10" and blocked["attempts"] == "1"
    assert float(blocked["coveragePercent"]) == pytest.approx(25.0)
    assert plane.camera("cam-silent")["preparationStatus"] == "RETRY"
    corrupt = plane.camera("cam-corrupt")
    assert corrupt["preparationStatus"] == "RETRY" and corrupt["lastError"].startswith("FramesUnusable")
    assert plane.get_json("composites/cam-blocked/hourly-1/report.json")["ready"] is False

    composite_frame = plane.frame("composite/cam-clear/hourly-1")
    assert composite_frame["awaitingTask"] == "floor_tape"
    output_key = "labeling/output/tape/manifests/output/output.manifest"
    walkway = [{"x": 0, "y": 0}, {"x": 64, "y": 0}, {"x": 64, "y": 16}, {"x": 0, "y": 16}]
    write_output_manifest(
        plane,
        output_key,
        [
            {
                "source-ref": plane.uri(ready["compositeKey"]),
                "frame-id": "composite/cam-clear/hourly-1",
                "floor-tape": {"polygons": [{"label": "walkway", "vertices": walkway}], "workers": 1},
            }
        ],
    )

    labeling = run_labeling(runner, plane, "floor_tape", "Completed", output_key)

    assert labeling.status == "SUCCEEDED", labeling.cause
    parameters = scheduled_parameters(labeling, "createLabelingJob.sync")
    assert parameters["LabelAttributeName"] == "floor-tape"
    manifest_key = parameters["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"].split("/", 3)[3]
    (line,) = plane.s3.get_object(Bucket=plane.bucket, Key=manifest_key)["Body"].read().decode().splitlines()
    assert json.loads(line)["coverage-mask-ref"] == plane.uri(ready["coverageMaskKey"])
    assert labeling.output["statistics"]["classCounts"]["walkway"] == 1
    assert plane.frame("composite/cam-clear/hourly-1")["labelStatus"] == "LABELED"


# The shipped samples (examples/cv) -------------------------------------------------------------------


@pytest.mark.parametrize("sample", discover(workflow="cv"), ids=lambda sample: sample.name)
def test_shipped_samples_behave_as_they_say(runner, plane, sample):
    result = sample.run(runner)
    assert sample.mismatches(result) == []
