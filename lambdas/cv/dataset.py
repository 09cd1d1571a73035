"""Turn consolidated Ground Truth annotations into a COCO training set and label statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cv.contract import FLOOR_TAPE


@dataclass
class LabeledFrame:
    """One frame that came back labeled: where it is and its consolidated annotation."""

    frame_id: str
    source_ref: str
    annotation: dict[str, Any]


@dataclass
class DatasetBuilder:
    """Accumulates frames into COCO `images`/`annotations` and per-class statistics."""

    task_type: str
    labels: Sequence[str]
    images: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    class_counts: Counter = field(default_factory=Counter)
    frames_without_labels: int = 0
    unknown_labels: Counter = field(default_factory=Counter)
    agreements: list[float] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)

    def add(self, frame: LabeledFrame) -> int:
        """Add one frame; returns how many objects it contributed."""
        category_ids = {label: index for index, label in enumerate(self.labels, start=1)}
        image_id = len(self.images) + 1
        size = frame.annotation.get("imageSize") or {}
        self.images.append(
            {
                "id": image_id,
                "file_name": frame.source_ref,
                "frame_id": frame.frame_id,
                "width": int(size.get("width", 0)),
                "height": int(size.get("height", 0)),
            }
        )
        if frame.annotation.get("agreement") is not None:
            self.agreements.append(float(frame.annotation["agreement"]))
        if frame.annotation.get("workers"):
            self.workers.append(int(frame.annotation["workers"]))
        added = 0
        for shape in self._shapes(frame.annotation):
            label = shape["label"]
            if label not in category_ids:
                self.unknown_labels[label] += 1
                continue
            self.annotations.append(
                {
                    "id": len(self.annotations) + 1,
                    "image_id": image_id,
                    "category_id": category_ids[label],
                    **shape["coco"],
                }
            )
            self.class_counts[label] += 1
            added += 1
        if added == 0:
            self.frames_without_labels += 1
        return added

    def _shapes(self, annotation: dict[str, Any]) -> list[dict[str, Any]]:
        if self.task_type == FLOOR_TAPE:
            return [
                _polygon(polygon)
                for polygon in annotation.get("polygons", [])
                if len(polygon.get("vertices", [])) >= 3
            ]
        return [_box(box) for box in annotation.get("annotations", [])]

    def coco(self) -> dict[str, Any]:
        return {
            "info": {"description": f"Stepwise CV-safety {self.task_type} dataset"},
            "images": self.images,
            "annotations": self.annotations,
            "categories": [{"id": index, "name": label} for index, label in enumerate(self.labels, start=1)],
        }

    def statistics(self, frames_failed: int, frames_missing: int) -> dict[str, Any]:
        return {
            "framesLabeled": len(self.images),
            "framesWithoutLabels": self.frames_without_labels,
            "framesFailed": frames_failed,
            "framesMissing": frames_missing,
            "objects": len(self.annotations),
            "classCounts": {label: self.class_counts.get(label, 0) for label in self.labels},
            "unknownLabels": dict(self.unknown_labels),
            "meanWorkerAgreement": round(sum(self.agreements) / len(self.agreements), 3)
            if self.agreements
            else None,
            "meanWorkersPerFrame": round(sum(self.workers) / len(self.workers), 2) if self.workers else None,
        }


def _box(box: dict[str, Any]) -> dict[str, Any]:
    left, top, width, height = (float(box[side]) for side in ("left", "top", "width", "height"))
    return {
        "label": box["label"],
        "coco": {"bbox": [left, top, width, height], "area": round(width * height, 2), "iscrowd": 0},
    }


def _polygon(polygon: dict[str, Any]) -> dict[str, Any]:
    xs = [float(vertex["x"]) for vertex in polygon["vertices"]]
    ys = [float(vertex["y"]) for vertex in polygon["vertices"]]
    area = abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(xs)))) / 2
    left, top = min(xs), min(ys)
    return {
        "label": polygon["label"],
        "coco": {
            "segmentation": [[coordinate for pair in zip(xs, ys, strict=True) for coordinate in pair]],
            "bbox": [left, top, max(xs) - left, max(ys) - top],
            "area": round(area, 2),
            "iscrowd": 0,
        },
    }
