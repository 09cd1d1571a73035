"""Write the CV-safety localrun samples (examples/cv/*.json) and their Ground Truth mock config.

.venv/bin/python examples/cv/make_samples.py

No emulator runs SageMaker Ground Truth, so the labeling samples answer `CreateLabelingJob` from
`labeling.mocks.json` (completed, failed, stopped). The mocked job's output manifest lives in the dev
stack's data bucket, whose local name is deterministic (localrun names resources like
CloudFormation, from the stack name and logical id). The tape-preparation sample seeds small frames
as plain-text PPM images (sample seeds are text) with their detection JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
LABELING = "Workflow/GroundTruthLabeling/Workflow"
PREPARATION = "Workflow/TapeLabelingPreparation/Workflow"
BUCKET = "Workflow/Data/Data"
FRAMES = "Workflow/Data/Frames"
CAMERAS = "Workflow/Data/Cameras"
DEV_BUCKET_NAME = "stepwise-dev-cvsafety-workflowdata2ba2cb0f-yfow4yekkrcs"
OUTPUT_KEY = "labeling/output/sample-job/manifests/output/output.manifest"
JOB_ARN = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/stepwise-dev-cv-bbox-sample"


def frame(frame_id: str, task: str = "bounding_box") -> dict[str, Any]:
    return {
        "table": FRAMES,
        "item": {
            "frameId": frame_id,
            "s3Key": f"frames/{frame_id}.jpg",
            "cameraId": frame_id.split("/")[0],
            "capturedAt": frame_id.split("/")[1],
            "awaitingTask": task,
            "labelStatus": "AWAITING_LABELS",
        },
    }


def describe(status: str, reason: str | None = None) -> dict[str, Any]:
    description: dict[str, Any] = {
        "LabelingJobName": "stepwise-dev-cv-bbox-sample",
        "LabelingJobArn": JOB_ARN,
        "LabelingJobStatus": status,
        "LabelCounters": {"TotalLabeled": 2, "HumanLabeled": 2, "MachineLabeled": 0},
    }
    if status == "Completed":
        description["LabelingJobOutput"] = {"OutputDatasetS3Uri": f"s3://{DEV_BUCKET_NAME}/{OUTPUT_KEY}"}
    if reason:
        description["FailureReason"] = reason
    return description


def mocks() -> dict[str, Any]:
    return {
        "Comment": "Ground Truth labeling-job results per test case (the .sync task's output or error).",
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
            "JobCompleted": {"0": {"Return": describe("Completed")}},
            "JobFailed": {
                "0": {
                    "Throw": {
                        "Error": "LabelingJobFailed",
                        "Cause": json.dumps(describe("Failed", "ClientError: the work team has no workers")),
                    }
                }
            },
            "JobStopped": {
                "0": {"Throw": {"Error": "LabelingJobStopped", "Cause": json.dumps(describe("Stopped"))}}
            },
        },
    }


def output_manifest() -> str:
    person = {"label": "person", "left": 310, "top": 120, "width": 60, "height": 170}
    forklift = {"label": "forklift", "left": 800, "top": 300, "width": 260, "height": 200}
    lines = [
        {
            "source-ref": f"s3://{DEV_BUCKET_NAME}/frames/dock-3/20261122T0800.jpg",
            "frame-id": "dock-3/20261122T0800",
            "bounding-box": {
                "annotations": [person, forklift],
                "imageSize": {"width": 1920, "height": 1080},
                "workers": 1,
                "agreement": None,
            },
            "bounding-box-metadata": {"human-annotated": "yes", "type": "groundtruth/custom"},
        },
        {
            "source-ref": f"s3://{DEV_BUCKET_NAME}/frames/dock-3/20261122T0900.jpg",
            "frame-id": "dock-3/20261122T0900",
            "bounding-box": {"annotations": [], "imageSize": {"width": 1920, "height": 1080}, "workers": 1},
        },
    ]
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def labeling_samples() -> dict[str, dict[str, Any]]:
    awaiting = [frame("dock-3/20261122T0800"), frame("dock-3/20261122T0900")]
    common = {
        "stateMachine": LABELING,
        "mockConfig": "labeling.mocks.json",
        "input": {"taskType": "bounding_box"},
    }
    return {
        "labeling-nothing-to-label": {
            "description": "No frame awaits bounding boxes: the run ends early without a labeling job",
            **common,
            "testCase": "Completed",
            "seed": {"dynamodb": [frame("dock-3/composite", task="floor_tape")]},
            "expect": {
                "status": "SUCCEEDED",
                "states": ["ChooseTaskType", "SelectFrames", "NothingToLabel"],
                "notStates": ["WriteManifest", "CreateLabelingJob"],
                "output": {"outcome": "NothingToLabel", "taskType": "bounding_box"},
            },
        },
        "labeling-completed": {
            "description": "Two frames labeled by Ground Truth: COCO dataset, statistics, completion event",
            **common,
            "testCase": "Completed",
            "seed": {
                "dynamodb": awaiting,
                "s3": [{"bucket": BUCKET, "key": OUTPUT_KEY, "body": output_manifest()}],
            },
            "expect": {
                "status": "SUCCEEDED",
                "states": ["SelectFrames", "WriteManifest", "CreateLabelingJob", "PostProcess"],
                "notStates": ["ReturnFramesToAwaiting"],
                "output": {
                    "outcome": "LabelingJobCompleted",
                    "statistics": {
                        "framesLabeled": 2,
                        "framesWithoutLabels": 1,
                        "objects": 2,
                        "classCounts": {"person": 1, "forklift": 1, "pallet_jack": 0, "cart": 0},
                    },
                },
            },
        },
        "labeling-job-failed": {
            "description": "The labeling job fails: frames return to awaiting, a failure event is sent",
            **common,
            "testCase": "Failed",
            "seed": {"dynamodb": awaiting},
            "expect": {
                "status": "FAILED",
                "error": "LabelingJobFailed",
                "states": ["CreateLabelingJob", "ReturnFramesToAwaiting", "NotifyLabelingJobFailed"],
                "notStates": ["PostProcess"],
            },
        },
        "labeling-job-stopped": {
            "description": "Someone stops the labeling job: frames return to awaiting labels",
            **common,
            "testCase": "Stopped",
            "seed": {"dynamodb": awaiting},
            "expect": {
                "status": "FAILED",
                "error": "LabelingJobFailed",
                "states": ["CreateLabelingJob", "ReturnFramesToAwaiting", "LabelingRunFailed"],
            },
        },
    }


def ppm(array: np.ndarray) -> str:
    """A plain-text (P3) PPM image: sample seeds carry text bodies."""
    height, width, _ = array.shape
    rows = [" ".join(str(value) for value in row.reshape(-1)) for row in array]
    return f"P3\n{width} {height}\n255\n" + "\n".join(rows) + "\n"


def preparation_samples() -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(5)
    floor = rng.integers(60, 200, (32, 48, 3), dtype=np.uint8)
    floor[12:16, :] = (230, 200, 30)  # a yellow floor tape
    occluders = [(0, 0, 8, 8), (40, 24, 8, 8), (20, 20, 4, 4)]  # dev: 16 px regions, 8 px margin
    objects = []
    for index, (left, top, width, height) in enumerate(occluders):
        image = floor.copy()
        image[top : top + height, left : left + width] = (20, 20, 200)
        stem = f"20261122T{8 + index:02d}00"
        detection = {
            "label": "person",
            "confidence": 0.93,
            "left": left,
            "top": top,
            "width": width,
            "height": height,
        }
        objects.append({"bucket": BUCKET, "key": f"frames/dock-7/{stem}.ppm", "body": ppm(image)})
        objects.append(
            {"bucket": BUCKET, "key": f"detections/dock-7/{stem}.json", "body": {"detections": [detection]}}
        )
    cameras = [
        {
            "table": CAMERAS,
            "item": {
                "cameraId": camera,
                "pendingPreparation": "PENDING",
                "preparationStatus": "ONBOARDED",
                "onboardedAt": "2026-11-22T07:00:00Z",
            },
        }
        for camera in ("dock-7", "dock-9")
    ]
    return {
        "preparation-no-new-cameras": {
            "description": "No camera awaits a floor composite: the hourly run ends early",
            "stateMachine": PREPARATION,
            "input": {},
            "expect": {
                "status": "SUCCEEDED",
                "states": ["FindNewCameras", "NoNewCameras"],
                "notStates": ["PrepareCameras"],
                "output": {"outcome": "NoNewCameras", "cameras": 0},
            },
        },
        "preparation-new-cameras": {
            "description": "dock-7's three frames cover the floor (ready); dock-9 has no frames yet (retry)",
            "stateMachine": PREPARATION,
            "input": {},
            "seed": {"dynamodb": cameras, "s3": objects},
            "expect": {
                "status": "SUCCEEDED",
                "states": ["FindNewCameras", "PrepareCameras", "AppendManifest"],
                "output": {"cameras": 2, "ready": 1, "retry": 1, "errors": 0},
            },
        },
    }


def main() -> None:
    (HERE / "labeling.mocks.json").write_text(json.dumps(mocks(), indent=2) + "\n")
    for name, sample in {**labeling_samples(), **preparation_samples()}.items():
        (HERE / f"{name}.json").write_text(json.dumps(sample, indent=2) + "\n")


if __name__ == "__main__":
    main()
