"""Consolidating several workers' boxes or polygons into one annotation, with their agreement."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

MATCH_IOU = 0.5
RASTER_MAX_SIDE = 512


def box_iou(a: dict[str, float], b: dict[str, float]) -> float:
    ax1, ay1 = a["left"] + a["width"], a["top"] + a["height"]
    bx1, by1 = b["left"] + b["width"], b["top"] + b["height"]
    width = min(ax1, bx1) - max(a["left"], b["left"])
    height = min(ay1, by1) - max(a["top"], b["top"])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = a["width"] * a["height"] + b["width"] * b["height"] - inter
    return inter / union if union > 0 else 0.0


def consolidate_boxes(workers: Sequence[Sequence[dict[str, Any]]]) -> dict[str, Any]:
    """Cluster same-label boxes of different workers (IoU >= 0.5), keep majority-supported clusters.

    Each kept box is the mean of its cluster and carries `support`, the fraction of workers who drew
    it. `agreement` is the mean support over all clusters (1.0: every worker drew the same boxes);
    it is None with a single worker.
    """
    count = len(workers)
    if count == 0:
        return {"annotations": [], "workers": 0, "agreement": None}
    clusters: list[list[dict[str, Any]]] = []
    claimed: set[tuple[int, int]] = set()
    for worker, boxes in enumerate(workers):
        for index, box in enumerate(boxes):
            if (worker, index) in claimed:
                continue
            claimed.add((worker, index))
            cluster = [box]
            for other in range(worker + 1, count):
                best, best_iou = None, MATCH_IOU
                for other_index, candidate in enumerate(workers[other]):
                    if (other, other_index) in claimed or candidate["label"] != box["label"]:
                        continue
                    iou = box_iou(box, candidate)
                    if iou >= best_iou:
                        best, best_iou = other_index, iou
                if best is not None:
                    claimed.add((other, best))
                    cluster.append(workers[other][best])
            clusters.append(cluster)
    needed = math.ceil(count / 2)
    kept = []
    for cluster in clusters:
        if len(cluster) < needed:
            continue
        kept.append(
            {
                "label": cluster[0]["label"],
                **{
                    side: round(sum(float(box[side]) for box in cluster) / len(cluster), 1)
                    for side in ("left", "top", "width", "height")
                },
                "support": round(len(cluster) / count, 3),
            }
        )
    agreement = None
    if count > 1:
        agreement = round(sum(len(c) / count for c in clusters) / len(clusters), 3) if clusters else 1.0
    return {"annotations": kept, "workers": count, "agreement": agreement}


def _raster(
    polygons: Sequence[dict[str, Any]], label: str, size: tuple[int, int], scale: float
) -> np.ndarray:
    canvas = Image.new("1", size, 0)
    draw = ImageDraw.Draw(canvas)
    for polygon in polygons:
        if polygon["label"] != label or len(polygon["vertices"]) < 3:
            continue
        draw.polygon([(v["x"] * scale, v["y"] * scale) for v in polygon["vertices"]], fill=1)
    return np.asarray(canvas, dtype=bool)


def polygon_agreement(
    first: Sequence[dict[str, Any]], second: Sequence[dict[str, Any]], width: int, height: int
) -> float:
    """Mean per-label IoU of two workers' rasterised polygons (labels either worker used)."""
    labels = {p["label"] for p in first} | {p["label"] for p in second}
    if not labels:
        return 1.0
    scale = min(1.0, RASTER_MAX_SIDE / max(width, height, 1))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    scores = []
    for label in sorted(labels):
        a, b = _raster(first, label, size, scale), _raster(second, label, size, scale)
        union = np.logical_or(a, b).sum()
        scores.append(float(np.logical_and(a, b).sum() / union) if union else 1.0)
    return sum(scores) / len(scores)


def consolidate_polygons(
    workers: Sequence[Sequence[dict[str, Any]]], width: int, height: int
) -> dict[str, Any]:
    """Keep the polygons of the worker who agrees best with the others (the medoid); report agreement."""
    count = len(workers)
    if count == 0:
        return {"polygons": [], "workers": 0, "agreement": None}
    if count == 1:
        return {"polygons": list(workers[0]), "workers": 1, "agreement": None}
    vertices = [v for polygons in workers for polygon in polygons for v in polygon.get("vertices", [])]
    width = max([width, *(math.ceil(v["x"]) for v in vertices)])
    height = max([height, *(math.ceil(v["y"]) for v in vertices)])
    scores = np.zeros((count, count))
    for i, j in itertools.combinations(range(count), 2):
        scores[i, j] = scores[j, i] = polygon_agreement(workers[i], workers[j], width, height)
    mean_with_others = scores.sum(axis=1) / (count - 1)
    medoid = int(np.argmax(mean_with_others))
    pairs = count * (count - 1) / 2
    agreement = float(np.triu(scores, 1).sum() / pairs)
    return {"polygons": list(workers[medoid]), "workers": count, "agreement": round(agreement, 3)}
