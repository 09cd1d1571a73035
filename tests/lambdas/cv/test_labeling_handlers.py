"""Manifest, pre-annotation, post-process and release handlers of the labeling workflow."""

import json

import pytest
from cv import post_process, pre_annotation, release_frames, select_frames, write_manifest
from cv.errors import OutputManifestInvalid, SelectionNotFound

from tests.lambdas.cv.cvaws import BUCKET, STARTED_AT, call

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:Labeling:run-7"


def claim(aws, count=3, task_type="bounding_box"):
    for index in range(count):
        aws.put_frame(
            f"f{index}", task=task_type, cameraId="cam-1", detectionsKey=f"detections/cam-1/{index}.json"
        )
    return call(
        select_frames.handler, {"taskType": task_type, "executionId": EXECUTION, "startedAt": STARTED_AT}
    )


def read_lines(aws, key):
    body = aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def put_output(aws, lines, key="labeling/output/job/manifests/output/output.manifest"):
    aws.s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(json.dumps(line) for line in lines).encode())
    return f"s3://{BUCKET}/{key}"


def labeled_line(frame_id, boxes, agreement=None, workers=1):
    return {
        "source-ref": f"s3://{BUCKET}/frames/{frame_id}.jpg",
        "frame-id": frame_id,
        "bounding-box": {
            "annotations": boxes,
            "imageSize": {"width": 640, "height": 480},
            "workers": workers,
            "agreement": agreement,
        },
        "bounding-box-metadata": {"job-name": "labeling-job/x", "human-annotated": "yes"},
    }


def box(label, left=10, top=20, width=30, height=40):
    return {"label": label, "left": left, "top": top, "width": width, "height": height}


# Manifest ---------------------------------------------------------------------------------------


def test_manifest_has_one_json_line_per_claimed_frame(aws):
    selection = claim(aws)
    result = call(write_manifest.handler, {"selectionKey": selection["selectionKey"]})
    key = result["manifestUri"].removeprefix(f"s3://{BUCKET}/")
    assert result["objects"] == 3 and key == f"labeling/{selection['jobName']}/input.manifest"
    lines = read_lines(aws, key)
    assert lines[0] == {
        "source-ref": f"s3://{BUCKET}/frames/f0.jpg",
        "frame-id": "f0",
        "task-type": "bounding_box",
        "detections-ref": f"s3://{BUCKET}/detections/cam-1/0.json",
        "camera-id": "cam-1",
    }
    assert [line["frame-id"] for line in lines] == ["f0", "f1", "f2"]


def test_manifest_without_selection_is_a_named_error(aws):
    with pytest.raises(SelectionNotFound):
        call(write_manifest.handler, {"selectionKey": "labeling/missing/selection.json"})


# Pre-annotation -----------------------------------------------------------------------------------


def test_pre_annotation_turns_confident_detections_into_initial_boxes(aws):
    detections = {
        "detections": [
            {"label": "person", "confidence": 0.9, "left": 10.4, "top": 5, "width": 20, "height": 50},
            {"label": "person", "confidence": 0.3, "left": 0, "top": 0, "width": 5, "height": 5},
            {"label": "pallet", "confidence": 0.99, "left": 1, "top": 1, "width": 5, "height": 5},
            {"label": "forklift", "confidence": 0.7, "left": 100, "top": 80, "width": 60, "height": 40},
        ]
    }
    aws.s3.put_object(Bucket=BUCKET, Key="detections/cam-1/0.json", Body=json.dumps(detections).encode())
    event = {
        "version": "2018-10-16",
        "labelingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/x",
        "dataObject": {
            "source-ref": f"s3://{BUCKET}/frames/f0.jpg",
            "frame-id": "f0",
            "task-type": "bounding_box",
            "detections-ref": f"s3://{BUCKET}/detections/cam-1/0.json",
        },
    }
    result = pre_annotation.handler(event, None)
    assert result["isHumanAnnotationRequired"] == "true"
    task_input = result["taskInput"]
    assert task_input["taskObject"] == f"s3://{BUCKET}/frames/f0.jpg"
    assert task_input["labels"] == ["person", "forklift"]
    assert task_input["initialValue"] == [
        {"label": "person", "left": 10, "top": 5, "width": 20, "height": 50},
        {"label": "forklift", "left": 100, "top": 80, "width": 60, "height": 40},
    ]


def test_pre_annotation_still_builds_a_task_when_detections_are_missing(aws):
    event = {
        "dataObject": {
            "source-ref": f"s3://{BUCKET}/frames/f0.jpg",
            "task-type": "bounding_box",
            "detections-ref": f"s3://{BUCKET}/detections/none.json",
        }
    }
    assert pre_annotation.handler(event, None)["taskInput"]["initialValue"] == []


def test_pre_annotation_for_floor_tape_passes_labels_and_the_coverage_mask(aws):
    event = {
        "dataObject": {
            "source-ref": f"s3://{BUCKET}/composites/cam-1/run/composite.png",
            "task-type": "floor_tape",
            "coverage-mask-ref": f"s3://{BUCKET}/composites/cam-1/run/coverage-mask.png",
        }
    }
    task_input = pre_annotation.handler(event, None)["taskInput"]
    assert task_input["labels"] == ["walkway", "restricted_zone"]
    assert task_input["coverageMaskObject"].endswith("coverage-mask.png")
    assert task_input["initialValue"] == []


# Post-process -------------------------------------------------------------------------------------


def post(selection, uri):
    return call(
        post_process.handler,
        {
            "selectionKey": selection["selectionKey"],
            "outputManifestUri": uri,
            "labelAttributeName": "bounding-box",
            "labels": ["person", "forklift"],
        },
    )


def test_post_process_curates_a_coco_dataset_with_statistics_and_marks_frames(aws, monkeypatch):
    monkeypatch.setenv("MAX_FRAMES", "4")
    selection = claim(aws, count=4)
    uri = put_output(
        aws,
        [
            labeled_line("f0", [box("person"), box("forklift", left=200)], agreement=0.75, workers=2),
            labeled_line("f1", [], agreement=1.0, workers=2),
            {
                "source-ref": f"s3://{BUCKET}/frames/f2.jpg",
                "frame-id": "f2",
                "bounding-box-metadata": {"failure-reason": "ClientError: worker task expired"},
            },
            labeled_line("someone-else", [box("person")]),
        ],
    )

    result = post(selection, uri)

    stats = result["statistics"]
    assert stats["framesLabeled"] == 2
    assert stats["framesWithoutLabels"] == 1
    assert stats["framesFailed"] == 1 and stats["framesMissing"] == 1
    assert stats["classCounts"] == {"person": 1, "forklift": 1}
    assert stats["objects"] == 2
    assert stats["meanWorkerAgreement"] == pytest.approx(0.875)
    dataset_key = f"curated/bounding_box/{selection['jobName']}/annotations.coco.json"
    assert result["datasetUri"] == f"s3://{BUCKET}/{dataset_key}"
    coco = json.loads(aws.s3.get_object(Bucket=BUCKET, Key=dataset_key)["Body"].read())
    assert coco["categories"] == [{"id": 1, "name": "person"}, {"id": 2, "name": "forklift"}]
    assert [image["frame_id"] for image in coco["images"]] == ["f0", "f1"]
    assert coco["annotations"][1] == {
        "id": 2,
        "image_id": 1,
        "category_id": 2,
        "bbox": [200.0, 20.0, 30.0, 40.0],
        "area": 1200.0,
        "iscrowd": 0,
    }
    assert aws.frame("f0")["labelStatus"] == "LABELED" and aws.frame("f0")["labelObjects"] == 2
    assert aws.frame("f1")["labelStatus"] == "LABELED"
    returned = aws.frame("f2")
    assert returned["labelStatus"] == "AWAITING_LABELS" and returned["awaitingTask"] == "bounding_box"
    assert "worker task expired" in returned["lastLabelingError"]
    assert aws.frame("f3")["awaitingTask"] == "bounding_box"  # missing from the output


def test_post_process_converts_polygons_for_the_floor_tape_task(aws):
    selection = claim(aws, count=1, task_type="floor_tape")
    square = [{"x": 0, "y": 0}, {"x": 10, "y": 0}, {"x": 10, "y": 10}, {"x": 0, "y": 10}]
    uri = put_output(
        aws,
        [
            {
                "source-ref": f"s3://{BUCKET}/frames/f0.jpg",
                "frame-id": "f0",
                "floor-tape": {"polygons": [{"label": "walkway", "vertices": square}], "workers": 1},
            }
        ],
    )
    result = call(
        post_process.handler,
        {
            "selectionKey": selection["selectionKey"],
            "outputManifestUri": uri,
            "labelAttributeName": "floor-tape",
            "labels": ["walkway", "restricted_zone"],
        },
    )
    assert result["statistics"]["classCounts"] == {"walkway": 1, "restricted_zone": 0}
    coco = json.loads(
        aws.s3.get_object(Bucket=BUCKET, Key=result["datasetUri"].split("/", 3)[3])["Body"].read()
    )
    annotation = coco["annotations"][0]
    assert annotation["segmentation"] == [[0.0, 0.0, 10.0, 0.0, 10.0, 10.0, 0.0, 10.0]]
    assert annotation["area"] == 100.0 and annotation["bbox"] == [0.0, 0.0, 10.0, 10.0]


def test_post_process_with_an_unreadable_output_manifest_is_a_named_error(aws):
    selection = claim(aws, count=1)
    with pytest.raises(OutputManifestInvalid):
        post(selection, f"s3://{BUCKET}/labeling/output/none.manifest")
    assert aws.frame("f0")["labelStatus"] == "LABELING"


# Release ------------------------------------------------------------------------------------------


def release(error):
    return call(
        release_frames.handler,
        {"taskType": "bounding_box", "executionId": EXECUTION, "startedAt": STARTED_AT, "error": error},
    )


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (
            {
                "Error": "States.TaskFailed",
                "Cause": json.dumps({"LabelingJobStatus": "Failed", "FailureReason": "Workteam not found"}),
            },
            "Failed",
            "Workteam not found",
        ),
        (
            {"Error": "States.TaskFailed", "Cause": json.dumps({"LabelingJobStatus": "Stopped"})},
            "Stopped",
            "the labeling job was stopped",
        ),
        (
            {"Error": "States.Timeout", "Cause": None},
            "TimedOut",
            "the labeling job did not finish within the task timeout",
        ),
        ({"Error": "SageMaker.AmazonSageMakerException", "Cause": "ResourceLimitExceeded"}, "Failed", None),
    ],
)
def test_release_returns_the_runs_frames_and_explains_why(aws, error, status, reason):
    selection = claim(aws, count=2)
    aws.put_frame("other-run", task=None, labelStatus="LABELING", labelingJob="another-job")

    result = release(error)

    assert result["jobName"] == selection["jobName"]
    assert result["status"] == status and result["framesReturned"] == 2
    if reason:
        assert result["reason"] == reason
    else:
        assert "ResourceLimitExceeded" in result["reason"]
    for frame_id in ("f0", "f1"):
        frame = aws.frame(frame_id)
        assert frame["labelStatus"] == "AWAITING_LABELS" and frame["awaitingTask"] == "bounding_box"
        assert "labelingJob" not in frame
    assert aws.frame("other-run")["labelingJob"] == "another-job"


def test_release_leaves_frames_already_labeled(aws):
    selection = claim(aws, count=2)
    uri = put_output(aws, [labeled_line("f0", [box("person")])])
    aws.s3.delete_object(Bucket=BUCKET, Key=uri.split("/", 3)[3])
    aws.frames.update_item(
        Key={"frameId": "f0"},
        UpdateExpression="SET labelStatus = :l",
        ExpressionAttributeValues={":l": "LABELED"},
    )
    assert release({"Error": "States.TaskFailed", "Cause": "post-process failed"})["framesReturned"] == 1
    assert aws.frame("f0")["labelStatus"] == "LABELED"
    assert selection["count"] == 2


def test_release_when_nothing_was_claimed_returns_zero(aws):
    assert release({"Error": "Lambda.Unknown", "Cause": "boom"})["framesReturned"] == 0
