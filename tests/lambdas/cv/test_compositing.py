"""Voting and stitching on synthetic scenes: a known clean floor with moving occluders."""

from __future__ import annotations

import numpy as np
import pytest
from cv.compositing import (
    CompositingError,
    Detection,
    VotingParameters,
    compose,
    obstruction_grid,
    region_grid_shape,
    sorting_network,
    stitch,
)

HEIGHT, WIDTH = 90, 130  # deliberately not multiples of the region size
PARAMS = VotingParameters(min_confidence=0.5, margin_px=2, region_size_px=8)


def clean_floor(seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def occlude(
    frame: np.ndarray, left: int, top: int, width: int, height: int, color=(250, 10, 10)
) -> Detection:
    """Paint an occluder and return the detector's (confident) box for it."""
    frame[top : top + height, left : left + width] = color
    return Detection("person", 0.92, left, top, width, height)


def moving_occluder_scene(frames: int = 4) -> tuple[np.ndarray, list[np.ndarray], list[list[Detection]]]:
    """A person and a forklift crossing the floor: every region is clear in at least one frame."""
    floor = clean_floor()
    images, detections = [], []
    for index in range(frames):
        frame = floor.copy()
        boxes = [
            occlude(frame, 5 + index * 30, 10, 20, 40),
            occlude(frame, 100 - index * 28, 50, 25, 30, color=(20, 200, 30)),
        ]
        images.append(frame)
        detections.append(boxes)
    return floor, images, detections


def region_mask(boxes: list[tuple[float, float, float, float]], params: VotingParameters) -> np.ndarray:
    """Pixels of every region touched by a box grown by the margin (the expected never-clear area)."""
    size = params.region_size_px
    mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
    for left, top, width, height in boxes:
        x0 = max(left - params.margin_px, 0) // size * size
        y0 = max(top - params.margin_px, 0) // size * size
        x1 = -(-min(left + width + params.margin_px, WIDTH) // size) * size
        y1 = -(-min(top + height + params.margin_px, HEIGHT) // size) * size
        mask[int(y0) : int(y1), int(x0) : int(x1)] = True
    return mask


def test_composite_equals_the_clean_floor_where_every_region_is_clear_at_least_once():
    floor, frames, detections = moving_occluder_scene()
    grid = obstruction_grid(detections, HEIGHT, WIDTH, PARAMS)
    assert (~grid).any(axis=0).all(), "scene precondition: every region is clear in some frame"
    assert grid.any(axis=(1, 2)).all(), "scene precondition: every frame has an obstruction"

    composite = compose(frames, detections, PARAMS)

    np.testing.assert_array_equal(composite.image, floor)
    assert composite.mask.all()
    assert composite.coverage_percent == 100.0
    assert composite.image.dtype == np.uint8 and composite.image.shape == floor.shape


def test_mask_and_coverage_mark_exactly_the_regions_never_seen_clear():
    floor, frames, detections = moving_occluder_scene()
    pallet = (60, 20, 17, 11)  # a static pallet, detected in every frame
    for frame, boxes in zip(frames, detections, strict=True):
        boxes.append(occlude(frame, *pallet, color=(90, 60, 20)))
        boxes[-1] = Detection("pallet", 0.8, *pallet)

    composite = compose(frames, detections, PARAMS)

    never_clear = region_mask([pallet], PARAMS)
    np.testing.assert_array_equal(composite.mask, ~never_clear)
    assert composite.coverage_percent == pytest.approx(100.0 * (1 - never_clear.mean()))
    np.testing.assert_array_equal(composite.image[~never_clear], floor[~never_clear])
    assert (composite.image[never_clear] == 0).all()
    np.testing.assert_array_equal(composite.mask_image()[never_clear], 0)
    np.testing.assert_array_equal(composite.mask_image()[~never_clear], 255)
    pallet_regions = obstruction_grid([[Detection("pallet", 0.8, *pallet)]], HEIGHT, WIDTH, PARAMS)
    np.testing.assert_array_equal(composite.clear_votes == 0, pallet_regions[0])


def test_a_transient_the_detector_missed_in_a_minority_of_frames_is_voted_out():
    floor = clean_floor()
    frames = [floor.copy() for _ in range(3)]
    frames[1][30:50, 40:70] = (255, 255, 255)  # glare / undetected object in one frame only
    composite = compose(frames, [[], [], []], PARAMS)
    np.testing.assert_array_equal(composite.image, floor)


def test_low_confidence_detections_do_not_obstruct():
    floor = clean_floor()
    frames = [floor.copy(), floor.copy()]
    detections = [[Detection("person", 0.2, 0, 0, WIDTH, HEIGHT)], []]
    grid = obstruction_grid(detections, HEIGHT, WIDTH, PARAMS)
    assert not grid.any()
    assert compose(frames, detections, PARAMS).coverage_percent == 100.0


def test_the_margin_keeps_an_occluders_shadow_out_of_the_composite():
    floor = clean_floor()
    frames, detections = [], []
    for left in (10, 80):  # two frames: only the other frame shows the floor under each shadow
        frame = floor.copy()
        box = occlude(frame, left, 20, 20, 40)
        frame[60:62, left : left + 20] = 0  # the occluder's shadow, just outside its box
        frames.append(frame)
        detections.append([box])
    np.testing.assert_array_equal(compose(frames, detections, PARAMS).image, floor)
    without_margin = VotingParameters(min_confidence=0.5, margin_px=0, region_size_px=1)
    assert not np.array_equal(compose(frames, detections, without_margin).image, floor)


def test_an_even_number_of_clear_frames_uses_the_mean_of_the_two_middle_values():
    base = np.full((HEIGHT, WIDTH, 3), 100, dtype=np.uint8)
    other = np.full((HEIGHT, WIDTH, 3), 103, dtype=np.uint8)
    composite = compose([base, other], [[], []], PARAMS)
    assert (composite.image == 102).all()


def test_regions_cover_partial_cells_at_the_right_and_bottom_edges():
    assert region_grid_shape(HEIGHT, WIDTH, 8) == (12, 17)
    detections = [[Detection("person", 0.9, WIDTH - 2, HEIGHT - 2, 10, 10)]]
    grid = obstruction_grid(detections, HEIGHT, WIDTH, VotingParameters(margin_px=0, region_size_px=8))
    assert grid[0, -1, -1] and grid.sum() == 1


def test_frames_of_different_sizes_are_rejected():
    with pytest.raises(CompositingError, match="differ in size"):
        compose([clean_floor(), clean_floor()[:-1]], [[], []], PARAMS)


@pytest.mark.parametrize(
    ("frames", "detections"),
    [([], []), ([np.zeros((4, 4, 3), np.uint8)], [])],
)
def test_inconsistent_inputs_are_rejected(frames, detections):
    with pytest.raises(CompositingError):
        compose(frames, detections, PARAMS)


def test_detection_json_is_validated():
    assert Detection.from_json(
        {"label": "cart", "confidence": "0.7", "left": 1, "top": 2, "width": 3, "height": 4}
    ) == Detection("cart", 0.7, 1, 2, 3, 4)
    with pytest.raises(CompositingError, match="bad detection"):
        Detection.from_json({"label": "cart", "confidence": 0.7})


def reference_stitch(frames: np.ndarray, obstructed: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The definition, pixel by pixel: median (rounded up) of the samples whose region is clear."""
    count, height, width, _ = frames.shape
    image = np.zeros((height, width, 3), dtype=np.uint8)
    mask = np.zeros((height, width), dtype=bool)
    for y in range(height):
        for x in range(width):
            clear = [k for k in range(count) if not obstructed[k, y // size, x // size]]
            if clear:
                image[y, x] = np.ceil(np.median(frames[clear, y, x].astype(float), axis=0))
                mask[y, x] = True
    return image, mask


def random_votes(rng: np.random.Generator, count: int, rows: int, cols: int) -> np.ndarray:
    """An obstruction grid where regions are clear in every number (0..count) of random frames."""
    clear_counts = rng.permutation(np.resize(np.arange(count + 1), rows * cols)).reshape(rows, cols)
    ranks = rng.random((count, rows, cols)).argsort(axis=0).argsort(axis=0)
    return ranks >= clear_counts


@pytest.mark.parametrize("count", range(1, 8))
@pytest.mark.parametrize("size", [1, 3, 8])
def test_stitch_matches_the_per_pixel_median_of_the_clear_frames(count, size):
    rng = np.random.default_rng(count * 100 + size)
    height, width = 70, 23  # more than one band; partial regions at the bottom and right edges
    extremes = rng.choice(np.array([0, 1, 127, 128, 254, 255], dtype=np.uint8), (count, height, width, 3))
    frames = np.where(
        rng.random((count, height, width, 1)) < 0.5,
        extremes,
        rng.integers(0, 256, (count, height, width, 3), dtype=np.uint8),
    )
    rows, cols = region_grid_shape(height, width, size)
    obstructed = random_votes(rng, count, rows, cols)
    assert set((~obstructed).sum(axis=0).flat) == set(range(count + 1)), "precondition: 0..K clear"
    before = frames.copy()

    composite = stitch(frames, obstructed, size)

    image, mask = reference_stitch(frames, obstructed, size)
    np.testing.assert_array_equal(composite.image, image)
    np.testing.assert_array_equal(composite.mask, mask)
    np.testing.assert_array_equal(composite.clear_votes, count - obstructed.sum(axis=0))
    np.testing.assert_array_equal(frames, before)


@pytest.mark.parametrize("count", range(1, 13))
def test_the_sorting_network_sorts_every_zero_one_input(count):
    values = (np.arange(2**count)[:, None] >> np.arange(count)) & 1  # every 0/1 vector (0-1 principle)
    for low, high in sorting_network(count):
        values[:, low], values[:, high] = (
            np.minimum(values[:, low], values[:, high]),
            np.maximum(values[:, low], values[:, high]),
        )
    assert (np.diff(values, axis=1) >= 0).all()
