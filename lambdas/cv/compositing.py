"""Vote which floor regions are clear in each frame and stitch a composite of the unobstructed floor.

Pure numpy, no AWS. A frame is divided into square regions of `region_size_px`; a region counts as
obstructed in a frame when a detection at or above `min_confidence` (its box grown by `margin_px`)
touches it. Every pixel of the composite is the per-channel median of that pixel over the frames
where its region is clear, so a transient the detector missed in a minority of frames is voted out;
where a region is clear in no frame the composite is black and the coverage mask is 0.

How the median is computed, without sorting the whole (K, H, W, 3) stack: the frames are stitched in
bands of whole region rows, small enough to stay in cache. In a band, each frame's samples are copied
with its obstructed regions set to 255 (an OR with a byte mask), so they sort after, or tie with,
every clear sample of the pixel. A sorting network (Batcher's odd-even merge sort: element-wise
minimum and maximum of pairs of the K band arrays) orders the samples of every pixel, so with c clear
frames the clear samples are ranks 0..c-1. The median is the mean of ranks (c - 1) // 2 and c // 2
rounded up, computed without overflow as (a | b) - ((a ^ b) >> 1). Ranks are chosen per region with
byte masks, so a band where every region is clear in every frame reads the middle rank(s) directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SENTINEL = np.uint8(255)  # value of an obstructed sample: sorts after or ties with every clear one
BAND_PIXEL_ROWS = 64  # about this many pixel rows of every frame are stitched at a time (cache-sized)


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


def sorting_network(count: int) -> list[tuple[int, int]]:
    """Compare-exchange pairs (i, j), i < j, of Batcher's odd-even merge sort for `count` inputs."""
    pairs = []
    span = 1
    while span < count:
        step = span
        while step >= 1:
            for start in range(step % span, count - step, 2 * step):
                for low in range(start, min(start + step, count - step)):
                    if low // (2 * span) == (low + step) // (2 * span):
                        pairs.append((low, low + step))
            step //= 2
        span *= 2
    return pairs


def _byte_mask(grid: np.ndarray, width: int, size: int) -> np.ndarray:
    """A (band rows, cols) bool region grid as a (band rows, 1, width, 3) uint8 mask, 255 where True."""
    columns = np.repeat(grid, size, axis=-1)[:, :width].astype(np.uint8) * SENTINEL
    return np.repeat(columns, 3, axis=-1).reshape(len(grid), 1, width, 3)


def _pick(ordered: list[np.ndarray], ranks: np.ndarray, width: int, size: int) -> np.ndarray:
    """Per pixel, the sample of the rank its region asks for (`ranks`: one per region of the band)."""
    present = np.unique(ranks)
    picked = ordered[present[-1]]
    if present.size > 1:
        picked = picked.copy()
    for rank in present[:-1]:
        change = np.bitwise_xor(picked, ordered[rank])
        change &= _byte_mask(ranks == rank, width, size)
        picked ^= change
    return picked


def _stitch_band(
    frames: np.ndarray,
    obstructed: np.ndarray,
    clear_votes: np.ndarray,
    network: list[tuple[int, int]],
    size: int,
    out: np.ndarray,
) -> None:
    """Write the median of one band: frames (K, region rows, pixel rows, W, 3) into out (the rest)."""
    width = frames.shape[-2]
    ordered = [
        np.bitwise_or(frame, _byte_mask(grid, width, size)) if grid.any() else frame.copy()
        for frame, grid in zip(frames, obstructed, strict=True)
    ]
    spare = np.empty_like(ordered[0])
    for low, high in network:  # the minimum lands in the spare buffer, which then takes `low`'s place
        smaller = np.minimum(ordered[low], ordered[high], out=spare)
        np.maximum(ordered[low], ordered[high], out=ordered[high])
        spare, ordered[low] = ordered[low], smaller
    lower = _pick(ordered, np.maximum(clear_votes - 1, 0) // 2, width, size)
    upper = _pick(ordered, clear_votes // 2, width, size)
    half_difference = np.bitwise_xor(lower, upper)
    half_difference >>= 1
    np.bitwise_or(lower, upper, out=out)
    out -= half_difference
    if not clear_votes.all():
        out &= _byte_mask(clear_votes > 0, width, size)


def _bands(rows: int, height: int, size: int) -> list[tuple[int, int]]:
    """Region-row ranges [first, last) to stitch together; a partial bottom region row is its own band."""
    full_rows = height // size
    per_band = max(1, BAND_PIXEL_ROWS // size)
    bands = [(first, min(first + per_band, full_rows)) for first in range(0, full_rows, per_band)]
    if full_rows < rows:
        bands.append((full_rows, rows))
    return bands


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
    network = sorting_network(count)
    image = np.empty((height, width, 3), dtype=np.uint8)
    for first, last in _bands(rows, height, region_size):
        top, bottom = first * region_size, min(last * region_size, height)
        shape = (last - first, (bottom - top) // (last - first), width, 3)
        _stitch_band(
            frames[:, top:bottom].reshape(count, *shape),
            obstructed[:, first:last],
            clear_votes[first:last],
            network,
            region_size,
            image[top:bottom].reshape(shape),
        )
    mask = _pixels(clear_votes > 0, height, width, region_size)
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
