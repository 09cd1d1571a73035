"""Vote which floor regions are clear in each frame and stitch a composite of the unobstructed floor.

Pure numpy, no AWS. A frame is divided into square regions of `region_size_px`; a region counts as
obstructed in a frame when a detection at or above `min_confidence` (its box grown by `margin_px`)
touches it. Every pixel of the composite is the per-channel median of that pixel over the frames
where its region is clear, so a transient the detector missed in a minority of frames is voted out;
where a region is clear in no frame the composite is black and the coverage mask is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SENTINEL = 256  # sorts after every uint8 value: obstructed samples go to the end of each pixel's stack


class CompositingError(ValueError):
    """The frames or detections cannot be composed (empty, mismatched sizes, bad boxes)."""


@dataclass(frozen=True)
class Detection:
    """One object-detection prediction: a box in pixels (left, top, width, height) with its class."""

    label: str
    confidence: float
    left: float
    top: float
    width: float
    height: float

    @classmethod
    def from_json(cls, raw: dict) -> Detection:
        try:
            return cls(
                label=str(raw["label"]),
                confidence=float(raw["confidence"]),
                left=float(raw["left"]),
                top=float(raw["top"]),
                width=float(raw["width"]),
                height=float(raw["height"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CompositingError(f"bad detection {raw!r}: {error}") from None


@dataclass(frozen=True)
class VotingParameters:
    """How confident a detection must be, how far around it is unsafe, and the region size."""

    min_confidence: float = 0.5
    margin_px: int = 8
    region_size_px: int = 16


@dataclass(frozen=True)
class Composite:
    """The stitched floor, where it is known, and how many frames voted for each region."""

    image: np.ndarray  # (H, W, 3) uint8
    mask: np.ndarray  # (H, W) bool: True where at least one frame saw the floor clear
    clear_votes: np.ndarray  # (rows, cols) int: frames in which each region is clear
    obstructed: np.ndarray  # (K, rows, cols) bool

    @property
    def coverage_percent(self) -> float:
        return float(self.mask.mean() * 100.0) if self.mask.size else 0.0

    def mask_image(self) -> np.ndarray:
        """The coverage mask as an 8-bit image: 255 where covered, 0 where the floor is unknown."""
        return self.mask.astype(np.uint8) * 255


def region_grid_shape(height: int, width: int, region_size: int) -> tuple[int, int]:
    return math.ceil(height / region_size), math.ceil(width / region_size)


def obstruction_grid(
    detections: Sequence[Sequence[Detection]],
    height: int,
    width: int,
    params: VotingParameters,
) -> np.ndarray:
    """(K, rows, cols) bool: region obstructed in frame k by a confident detection (box + margin)."""
    size = params.region_size_px
    rows, cols = region_grid_shape(height, width, size)
    grid = np.zeros((len(detections), rows, cols), dtype=bool)
    for index, frame_detections in enumerate(detections):
        for detection in frame_detections:
            if detection.confidence < params.min_confidence:
                continue
            if detection.width < 0 or detection.height < 0:
                raise CompositingError(f"negative box size in {detection!r}")
            left = max(detection.left - params.margin_px, 0.0)
            top = max(detection.top - params.margin_px, 0.0)
            right = min(detection.left + detection.width + params.margin_px, float(width))
            bottom = min(detection.top + detection.height + params.margin_px, float(height))
            if right <= left or bottom <= top:
                continue
            row0, col0 = int(top // size), int(left // size)
            row1, col1 = math.ceil(bottom / size), math.ceil(right / size)
            grid[index, row0:row1, col0:col1] = True
    return grid


def _pixels(grid: np.ndarray, height: int, width: int, size: int) -> np.ndarray:
    """Expand a (..., rows, cols) region grid to (..., height, width) pixels."""
    expanded = np.repeat(np.repeat(grid, size, axis=-2), size, axis=-1)
    return expanded[..., :height, :width]


def stitch(frames: np.ndarray, obstructed: np.ndarray, region_size: int) -> Composite:
    """Median of each pixel over the frames where its region is clear (vectorised, no pixel loops)."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise CompositingError(
            f"frames must be a (K, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}"
        )
    count, height, width, _ = frames.shape
    if count == 0:
        raise CompositingError("no frames to stitch")
    rows, cols = region_grid_shape(height, width, region_size)
    if obstructed.shape != (count, rows, cols):
        raise CompositingError(f"obstruction grid {obstructed.shape} does not match {(count, rows, cols)}")

    clear_votes = (~obstructed).sum(axis=0)
    obstructed_pixels = _pixels(obstructed, height, width, region_size)[..., None]
    samples = np.where(obstructed_pixels, np.uint16(SENTINEL), frames)  # one pass, uint16
    samples.sort(axis=0)

    clear = _pixels(clear_votes, height, width, region_size)
    lower = np.maximum(clear - 1, 0) // 2
    upper = clear // 2
    low = np.take_along_axis(samples, lower[None, :, :, None], axis=0)[0]
    high = np.take_along_axis(samples, np.minimum(upper, count - 1)[None, :, :, None], axis=0)[0]
    median = (low + high + 1) // 2
    mask = clear > 0
    image = np.where(mask[:, :, None], median, 0).astype(np.uint8)
    return Composite(image=image, mask=mask, clear_votes=clear_votes, obstructed=obstructed)


def compose(
    frames: Sequence[np.ndarray],
    detections: Sequence[Sequence[Detection]],
    params: VotingParameters,
) -> Composite:
    """Vote and stitch K frames of one camera with their detections."""
    if not frames:
        raise CompositingError("no frames to compose")
    if len(frames) != len(detections):
        raise CompositingError(f"{len(frames)} frames but {len(detections)} detection lists")
    shapes = {frame.shape for frame in frames}
    if len(shapes) != 1:
        raise CompositingError(f"frames differ in size: {sorted(shapes)}")
    stack = np.stack(frames)
    _, height, width, _ = stack.shape
    grid = obstruction_grid(detections, height, width, params)
    return stitch(stack, grid, params.region_size_px)
