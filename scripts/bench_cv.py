"""Benchmark the CV-safety voting and stitching on large synthetic frames (default 5 x 1920x1080).

    .venv/bin/python -m scripts.bench_cv [--frames 5] [--width 1920] [--height 1080] [--repeat 3]

Builds a warehouse-like scene (textured floor with painted tape lines, people and forklifts moving
between frames), checks that the composite equals the clean floor wherever a region was clear at
least once, and prints the time of each step: vote + stitch, and the PNG encoding of the outputs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambdas"))

from cv.compositing import Detection, VotingParameters, compose
from cv.imaging import encode_png


def clean_floor(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Concrete-like noise with yellow and white tape lines."""
    floor = rng.normal(128, 18, (height, width, 1)).clip(0, 255).astype(np.uint8).repeat(3, axis=2)
    tape = max(4, height // 90)
    floor[height // 3 : height // 3 + tape, :] = (230, 200, 30)
    floor[2 * height // 3 : 2 * height // 3 + tape, :] = (240, 240, 240)
    floor[:, width // 4 : width // 4 + tape] = (230, 200, 30)
    return floor


def scene(
    frames: int, width: int, height: int, seed: int
) -> tuple[np.ndarray, list[np.ndarray], list[list[Detection]]]:
    """Moving people and forklifts (each detected) on the clean floor."""
    rng = np.random.default_rng(seed)
    floor = clean_floor(width, height, rng)
    images, detections = [], []
    for _ in range(frames):
        frame = floor.copy()
        boxes = []
        for label, size in (("person", (width // 25, height // 6)), ("forklift", (width // 8, height // 5))):
            for _ in range(4):
                box_width, box_height = size
                left = int(rng.integers(0, width - box_width))
                top = int(rng.integers(0, height - box_height))
                frame[top : top + box_height, left : left + box_width] = rng.integers(0, 256, 3)
                boxes.append(
                    Detection(label, float(rng.uniform(0.6, 0.99)), left, top, box_width, box_height)
                )
        images.append(frame)
        detections.append(boxes)
    return floor, images, detections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    floor, frames, detections = scene(args.frames, args.width, args.height, args.seed)
    params = VotingParameters(min_confidence=0.5, margin_px=8, region_size_px=16)
    stitch_times, encode_times = [], []
    composite = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        composite = compose(frames, detections, params)
        stitch_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        encode_png(composite.image)
        encode_png(composite.mask_image())
        encode_times.append(time.perf_counter() - started)
    assert composite is not None
    exact = bool(np.array_equal(composite.image[composite.mask], floor[composite.mask]))

    print(
        f"frames: {args.frames} x {args.width}x{args.height} RGB, {args.repeat} runs, numpy {np.__version__}"
    )
    print(f"coverage: {composite.coverage_percent:.2f}%  exact where covered: {exact}")
    print(f"vote + stitch: median {statistics.median(stitch_times):.3f} s  (min {min(stitch_times):.3f} s)")
    print(f"PNG encode composite + mask: median {statistics.median(encode_times):.3f} s")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
