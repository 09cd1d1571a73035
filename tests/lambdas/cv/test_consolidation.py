"""Annotation consolidation: merging several workers' boxes or polygons, with their agreement."""

import json

import pytest
from cv import consolidation
from cv.annotations import box_iou, consolidate_boxes, consolidate_polygons, polygon_agreement

from tests.lambdas.cv.cvaws import BUCKET


def box(label, left, top, width=20, height=20):
    return {"label": label, "left": left, "top": top, "width": width, "height": height}


def square(label, left, top, size):
    corners = [(left, top), (left + size, top), (left + size, top + size), (left, top + size)]
    return {"label": label, "vertices": [{"x": x, "y": y} for x, y in corners]}


def test_box_iou():
    assert box_iou(box("a", 0, 0), box("a", 0, 0)) == 1.0
    assert box_iou(box("a", 0, 0), box("a", 100, 100)) == 0.0
    assert box_iou(box("a", 0, 0, 20, 20), box("a", 10, 0, 20, 20)) == pytest.approx(200 / 600)


def test_three_workers_majority_boxes_are_kept_and_averaged():
    workers = [
        [box("person", 10, 10), box("forklift", 100, 100, 50, 30)],
        [box("person", 12, 10), box("forklift", 102, 100, 50, 30)],
        [box("person", 11, 13), box("person", 300, 300)],  # a box nobody else drew
    ]
    result = consolidate_boxes(workers)
    assert result["workers"] == 3
    by_label = {(b["label"], b["support"]): b for b in result["annotations"]}
    person = by_label[("person", 1.0)]
    assert (person["left"], person["top"]) == (11.0, 11.0)
    assert ("forklift", 0.667) in by_label
    assert all(b["left"] != 300 for b in result["annotations"])  # 1 of 3 workers: dropped
    assert result["agreement"] == pytest.approx((1 + 2 / 3 + 1 / 3) / 3, abs=1e-3)


def test_same_position_different_labels_do_not_match():
    result = consolidate_boxes([[box("person", 0, 0)], [box("cart", 0, 0)]])
    assert {b["label"] for b in result["annotations"]} == {"person", "cart"}
    assert result["agreement"] == 0.5


def test_single_worker_and_empty_answers():
    assert consolidate_boxes([[box("person", 0, 0)]])["agreement"] is None
    assert consolidate_boxes([[box("person", 0, 0)]])["annotations"][0]["support"] == 1.0
    assert consolidate_boxes([[], []]) == {"annotations": [], "workers": 2, "agreement": 1.0}
    assert consolidate_boxes([]) == {"annotations": [], "workers": 0, "agreement": None}


def test_polygon_agreement_is_the_per_label_iou():
    a = [square("walkway", 0, 0, 100)]
    b = [square("walkway", 50, 0, 100)]
    assert polygon_agreement(a, a, 200, 200) == pytest.approx(1.0)
    assert polygon_agreement(a, b, 200, 200) == pytest.approx(1 / 3, abs=0.02)
    assert polygon_agreement(a, [square("restricted_zone", 0, 0, 100)], 200, 200) == 0.0


def test_polygons_of_the_best_agreeing_worker_are_kept():
    consensus = [square("walkway", 0, 0, 100)]
    close = [square("walkway", 5, 0, 100)]
    outlier = [square("walkway", 120, 120, 50)]
    result = consolidate_polygons([outlier, close, consensus], 300, 300)
    assert result["polygons"] in (consensus, close)
    assert result["workers"] == 3
    assert 0 < result["agreement"] < 1


def worker_answer(worker, content):
    return {"workerId": worker, "annotationData": {"content": json.dumps(content)}}


def boxes_form(boxes, image):
    return {"boundingBox": {"boundingBoxes": boxes, "inputImageProperties": image}}


def test_handler_reads_the_payload_and_returns_one_consolidation_per_object(aws):
    image = {"width": 640, "height": 480}
    payload = [
        {
            "datasetObjectId": "0",
            "dataObject": {"s3Uri": f"s3://{BUCKET}/frames/f0.jpg"},
            "annotations": [
                worker_answer(
                    "w1",
                    {
                        "boundingBox": {
                            "boundingBoxes": [box("person", 10, 10)],
                            "inputImageProperties": image,
                        }
                    },
                ),
                worker_answer(
                    "w2",
                    {
                        "boundingBox": {
                            "boundingBoxes": [box("person", 11, 10)],
                            "inputImageProperties": image,
                        }
                    },
                ),
            ],
        },
        {
            "datasetObjectId": "1",
            "dataObject": {"s3Uri": f"s3://{BUCKET}/composites/c/composite.png"},
            "annotations": [
                worker_answer(
                    "w1",
                    {"floorTape": {"polygons": [square("walkway", 0, 0, 50)], "inputImageProperties": image}},
                ),
            ],
        },
    ]
    aws.s3.put_object(
        Bucket=BUCKET, Key="labeling/output/job/annotations/payload.json", Body=json.dumps(payload)
    )
    event = {
        "version": "2018-10-16",
        "labelingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/job",
        "labelAttributeName": "bounding-box",
        "roleArn": "arn:aws:iam::123456789012:role/gt",
        "payload": {"s3Uri": f"s3://{BUCKET}/labeling/output/job/annotations/payload.json"},
        "outputConfig": f"s3://{BUCKET}/labeling/output/job/annotations",
    }

    results = consolidation.handler(event, None)

    assert [r["datasetObjectId"] for r in results] == ["0", "1"]
    boxes = results[0]["consolidatedAnnotation"]["content"]["bounding-box"]
    assert boxes["workers"] == 2 and boxes["agreement"] == 1.0
    assert boxes["imageSize"] == image
    assert boxes["annotations"][0]["label"] == "person" and boxes["annotations"][0]["left"] == 10.5
    polygons = results[1]["consolidatedAnnotation"]["content"]["bounding-box"]
    assert polygons["polygons"][0]["label"] == "walkway" and polygons["agreement"] is None


def test_unreadable_worker_answers_are_skipped():
    dataset_object = {
        "datasetObjectId": "0",
        "annotations": [
            {"workerId": "w1", "annotationData": {"content": "not json"}},
            worker_answer("w2", {"boundingBox": {"boundingBoxes": [box("cart", 0, 0)]}}),
        ],
    }
    result = consolidation.consolidate_object(dataset_object)
    assert result["workers"] == 1 and result["annotations"][0]["label"] == "cart"


def test_polygon_agreement_without_an_image_size_uses_the_polygons_extent():
    a, b = [square("walkway", 0, 0, 100)], [square("walkway", 50, 0, 100)]
    assert consolidate_polygons([a, b], 0, 0)["agreement"] == pytest.approx(1 / 3, abs=0.02)
