"""Find cameras, stitch composites and queue them: the tape-preparation handlers on moto."""

import io
import json
from decimal import Decimal

import numpy as np
import pytest
from cv import append_manifest, find_cameras, stitch_composite
from cv.stitch_composite import pick_time_shifted
from PIL import Image

from shared.errors import InvalidInput
from tests.lambdas.cv.cvaws import BUCKET, call

HEIGHT, WIDTH = 48, 64  # REGION_SIZE_PX=4, OBSTRUCTION_MARGIN_PX=0 in the test environment


def png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def read_png(aws, key):
    return np.asarray(Image.open(io.BytesIO(aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())))


def floor():
    return np.random.default_rng(3).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def upload_scene(aws, camera, occluders, detected=True, extension="png"):
    """One frame per occluder box (left, top, w, h) on the clean floor, with its detections JSON."""
    clean = floor()
    for index, (left, top, width, height) in enumerate(occluders):
        frame = clean.copy()
        frame[top : top + height, left : left + width] = (255, 0, 0)
        stem = f"2026-11-22T10{index:02d}00"
        aws.s3.put_object(Bucket=BUCKET, Key=f"frames/{camera}/{stem}.{extension}", Body=png(frame))
        boxes = [
            {"label": "person", "confidence": 0.9, "left": left, "top": top, "width": width, "height": height}
        ]
        if detected:
            body = json.dumps({"detections": boxes})
            aws.s3.put_object(Bucket=BUCKET, Key=f"detections/{camera}/{stem}.json", Body=body)
    return clean


def camera(camera_id="cam-1", frame_count=3):
    return {
        "cameraId": camera_id,
        "frameCount": frame_count,
        "attempts": 0,
        "framesPrefix": f"frames/{camera_id}/",
        "detectionsPrefix": f"detections/{camera_id}/",
    }


def stitch(item, run_id="run-1"):
    return call(stitch_composite.handler, {"camera": item, "runId": run_id})


# Find cameras -------------------------------------------------------------------------------------


def test_finds_pending_cameras_oldest_first_with_their_frame_budget(aws, monkeypatch):
    monkeypatch.setenv("MAX_CAMERAS", "2")
    cameras = [
        {"cameraId": "cam-3", "pendingPreparation": "PENDING", "onboardedAt": "2026-11-03", "frameCount": 50},
        {"cameraId": "cam-1", "pendingPreparation": "PENDING", "onboardedAt": "2026-11-01"},
        {"cameraId": "cam-2", "pendingPreparation": "PENDING", "onboardedAt": "2026-11-02", "attempts": 2},
        {"cameraId": "cam-0", "preparationStatus": "READY_FOR_TAPE_ANNOTATION", "onboardedAt": "2026-10-01"},
    ]
    for item in cameras:
        aws.cameras.put_item(Item=item)

    result = call(find_cameras.handler, {})

    assert result["count"] == 2
    assert result["cameras"] == [
        camera("cam-1", 3),
        {**camera("cam-2", 3), "attempts": 2},
    ]


def test_frame_budget_is_capped_and_custom_prefixes_are_kept(aws):
    aws.cameras.put_item(
        Item={
            "cameraId": "cam-9",
            "pendingPreparation": "PENDING",
            "onboardedAt": "1",
            "frameCount": Decimal(50),
            "framesPrefix": "frames/site-a/cam-9/",
        }
    )
    (item,) = call(find_cameras.handler, {})["cameras"]
    assert item["frameCount"] == 8 and item["framesPrefix"] == "frames/site-a/cam-9/"


def test_no_pending_camera_returns_an_empty_list(aws):
    assert call(find_cameras.handler, {}) == {"count": 0, "cameras": []}


@pytest.mark.parametrize("request_input", [{"cameraId": "cam-1"}, [], "run", None])
def test_the_scheduled_run_refuses_any_input(aws, request_input):
    with pytest.raises(InvalidInput, match="takes no input"):
        call(find_cameras.handler, {"request": request_input})
    assert call(find_cameras.handler, {"request": {}}) == {"count": 0, "cameras": []}


# Stitch ---------------------------------------------------------------------------------------------


def test_pick_time_shifted_spreads_frames_over_the_whole_period():
    keys = [f"k{i:02d}" for i in range(10)]
    assert pick_time_shifted(keys, 3) == ["k00", "k04", "k09"] or pick_time_shifted(keys, 3) == [
        "k00",
        "k05",
        "k09",
    ]
    assert pick_time_shifted(keys[:2], 5) == ["k00", "k01"]
    assert pick_time_shifted(keys, 1) == ["k09"]


def test_stitches_the_clean_floor_and_writes_composite_mask_and_report(aws):
    clean = upload_scene(aws, "cam-1", [(0, 0, 20, 20), (32, 8, 20, 20), (8, 24, 20, 20)])

    result = stitch(camera())

    assert result["ready"] is True and result["coveragePercent"] == 100.0
    assert result["framesUsed"] == 3 and result["nextFrameCount"] == 5
    assert result["compositeKey"] == "composites/cam-1/run-1/composite.png"
    np.testing.assert_array_equal(read_png(aws, result["compositeKey"]), clean)
    assert (read_png(aws, result["maskKey"]) == 255).all()
    report = json.loads(aws.s3.get_object(Bucket=BUCKET, Key=result["reportKey"])["Body"].read())
    assert report["coveragePercent"] == 100.0 and report["ready"] is True
    assert report["obstructedRegionsPerFrame"] == [25, 25, 25]
    assert report["regionsNeverClear"] == 0 and report["skippedFrames"] == []


def test_low_coverage_is_reported_as_not_ready_with_a_bigger_frame_budget(aws):
    # The left half is hidden in two frames; the third frame only hides the top-left 20x20 corner.
    clean = upload_scene(aws, "cam-1", [(0, 0, 32, 48), (0, 0, 32, 48), (0, 0, 20, 20)])

    result = stitch(camera())

    never_clear = np.zeros((HEIGHT, WIDTH), dtype=bool)
    never_clear[:20, :20] = True
    assert result["ready"] is False  # MIN_COVERAGE_PERCENT=90
    assert result["coveragePercent"] == pytest.approx(100 * (1 - 400 / (HEIGHT * WIDTH)), abs=1e-3)
    assert result["nextFrameCount"] == 5
    mask = read_png(aws, result["maskKey"])
    np.testing.assert_array_equal(mask == 255, ~never_clear)
    composite = read_png(aws, result["compositeKey"])
    np.testing.assert_array_equal(composite[~never_clear], clean[~never_clear])
    assert (composite[never_clear] == 0).all()


def test_frames_without_detections_are_skipped_not_trusted(aws):
    upload_scene(aws, "cam-1", [(0, 0, 20, 20), (30, 10, 20, 20)], detected=False)
    result = stitch(camera())
    assert result["ready"] is False and result["framesUsed"] == 0
    assert result["reason"] == "no usable frames with detections"
    assert aws.keys("composites/") == []


def test_a_frame_of_another_size_is_left_out(aws):
    clean = upload_scene(aws, "cam-1", [(0, 0, 20, 20), (30, 10, 20, 20)])
    aws.s3.put_object(
        Bucket=BUCKET, Key="frames/cam-1/2026-11-22T1100.png", Body=png(np.zeros((10, 10, 3), np.uint8))
    )
    aws.s3.put_object(Bucket=BUCKET, Key="detections/cam-1/2026-11-22T1100.json", Body=b'{"detections": []}')
    result = stitch(camera())
    assert result["framesUsed"] == 2 and result["coveragePercent"] == 100.0
    np.testing.assert_array_equal(read_png(aws, result["compositeKey"]), clean)


def test_camera_input_is_validated(aws):
    from shared.errors import InvalidInput

    with pytest.raises(InvalidInput):
        call(stitch_composite.handler, {"camera": {}, "runId": "r"})


# Append manifest -------------------------------------------------------------------------------------


def ready_result(camera_id, coverage=99.5):
    prefix = f"composites/{camera_id}/run-1/"
    return {
        "cameraId": camera_id,
        "ready": True,
        "coveragePercent": coverage,
        "compositeKey": f"{prefix}composite.png",
        "maskKey": f"{prefix}coverage-mask.png",
        "reportKey": f"{prefix}report.json",
    }


def test_ready_composites_are_queued_for_floor_tape_labeling_and_listed_in_a_manifest(aws):
    results = [
        ready_result("cam-1"),
        {"cameraId": "cam-2", "ready": False, "coveragePercent": 40.0},
        {"cameraId": "cam-3", "ready": False, "error": "FramesUnusable"},
        ready_result("cam-4", 100.0),
    ]

    summary = call(append_manifest.handler, {"runId": "run-1", "results": results})

    assert summary == {
        "cameras": 4,
        "ready": 2,
        "retry": 1,
        "errors": 1,
        "manifestUri": f"s3://{BUCKET}/manifests/floor_tape/run-1.manifest",
    }
    body = aws.s3.get_object(Bucket=BUCKET, Key="manifests/floor_tape/run-1.manifest")["Body"].read().decode()
    lines = [json.loads(line) for line in body.splitlines()]
    assert lines[0] == {
        "source-ref": f"s3://{BUCKET}/composites/cam-1/run-1/composite.png",
        "frame-id": "composite/cam-1/run-1",
        "task-type": "floor_tape",
        "coverage-mask-ref": f"s3://{BUCKET}/composites/cam-1/run-1/coverage-mask.png",
        "camera-id": "cam-1",
        "coverage-percent": 99.5,
    }
    frame = aws.frame("composite/cam-4/run-1")
    assert frame["awaitingTask"] == "floor_tape" and frame["labelStatus"] == "AWAITING_LABELS"
    assert frame["s3Key"] == "composites/cam-4/run-1/composite.png"


def test_appending_twice_does_not_requeue_a_composite_already_taken(aws):
    call(append_manifest.handler, {"runId": "run-1", "results": [ready_result("cam-1")]})
    aws.frames.update_item(
        Key={"frameId": "composite/cam-1/run-1"},
        UpdateExpression="SET labelStatus = :l REMOVE awaitingTask",
        ExpressionAttributeValues={":l": "LABELING"},
    )
    call(append_manifest.handler, {"runId": "run-1", "results": [ready_result("cam-1")]})
    assert aws.frame("composite/cam-1/run-1")["labelStatus"] == "LABELING"


def test_a_run_without_ready_composites_writes_no_manifest(aws):
    summary = call(
        append_manifest.handler, {"runId": "run-2", "results": [{"cameraId": "c", "ready": False}]}
    )
    assert summary["manifestUri"] is None and summary["ready"] == 0
    assert aws.keys() == []
