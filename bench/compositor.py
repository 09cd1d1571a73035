"""The CV compositor (vote + stitch) on 5 synthetic 1920x1080 frames, and PNG encoding of its outputs.

The scene is a warehouse-like floor (concrete noise, painted tape lines) with detected people and
forklifts moving between frames; the composite is checked to equal the clean floor wherever some
frame saw it clear, so a fast but wrong compositor cannot post a figure.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from bench.figures import Figure, Target

SECTION = "hot paths"
TIME_TARGET = Target("<=", 0.5)
FRAMES, WIDTH, HEIGHT = 5, 1920, 1080
REPEAT = 5


class CompositeWrong(RuntimeError):
    """The composite differs from the clean floor where the floor was seen clear."""


def clean_floor(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Concrete-like noise with yellow and white tape lines."""
    floor = rng.normal(128, 18, (height, width, 1)).clip(0, 255).astype(np.uint8).repeat(3, axis=2)
    tape = max(4, height // 90)
    floor[height // 3 : height // 3 + tape, :] = (230, 200, 30)
    floor[2 * height // 3 : 2 * height // 3 + tape, :] = (240, 240, 240)
    floor[:, width // 4 : width // 4 + tape] = (230, 200, 30)
    return floor


def scene(frames: int, width: int, height: int, seed: int = 11) -> tuple[np.ndarray, list, list]:
    """(clean floor, frames, detections): four people and four forklifts per frame, each detected."""
    from cv.compositing import Detection

    rng = np.random.default_rng(seed)
    floor = clean_floor(width, height, rng)
    images, detections = [], []
    for _ in range(frames):
        frame = floor.copy()
        boxes = []
        for label, (box_width, box_height) in (
            ("person", (width // 25, height // 6)),
            ("forklift", (width // 8, height // 5)),
        ):
            for _ in range(4):
                left = int(rng.integers(0, width - box_width))
                top = int(rng.integers(0, height - box_height))
                frame[top : top + box_height, left : left + box_width] = rng.integers(0, 256, 3)
                boxes.append(
                    Detection(label, float(rng.uniform(0.6, 0.99)), left, top, box_width, box_height)
                )
        images.append(frame)
        detections.append(boxes)
    return floor, images, detections


def measure(repeat: int = REPEAT) -> tuple[list[Figure], dict[str, Any]]:
    from cv.compositing import VotingParameters, compose
    from cv.imaging import encode_png

    floor, frames, detections = scene(FRAMES, WIDTH, HEIGHT)
    params = VotingParameters(min_confidence=0.5, margin_px=8, region_size_px=16)
    compose(frames, detections, params)  # warm-up
    stitch_times, encode_times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        composite = compose(frames, detections, params)
        stitch_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        encode_png(composite.image)
        encode_png(composite.mask_image())
        encode_times.append(time.perf_counter() - started)
    if not np.array_equal(composite.image[composite.mask], floor[composite.mask]):
        raise CompositeWrong("the composite differs from the clean floor where it was seen clear")
    size = f"{FRAMES} x {WIDTH}x{HEIGHT}"
    stitch = statistics.median(stitch_times)
    figures = [
        Figure(
            SECTION,
            f"CV compositor, vote + stitch {size}",
            round(stitch, 3),
            "s",
            TIME_TARGET,
            note=f"median of {repeat}; coverage {composite.coverage_percent:.1f}%, exact where covered",
        ),
        Figure(
            SECTION, "CV PNG encoding of composite + mask", round(statistics.median(encode_times), 3), "s"
        ),
    ]
    details = {
        "frames": FRAMES,
        "width": WIDTH,
        "height": HEIGHT,
        "repeat": repeat,
        "stitchSeconds": [round(value, 4) for value in stitch_times],
        "encodeSeconds": [round(value, 4) for value in encode_times],
        "coveragePercent": round(composite.coverage_percent, 2),
        "numpy": np.__version__,
    }
    return figures, details
