"""Decoding frames to numpy arrays and encoding composites and masks as PNG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from cv.errors import FramesUnusable

PNG_COMPRESS_LEVEL = 1  # lossless; level 1 is several times faster than the default for large frames


def decode_rgb(data: bytes, name: str) -> np.ndarray:
    """Any Pillow-readable image as an (H, W, 3) uint8 array."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as error:
        raise FramesUnusable(f"{name} is not a readable image: {error}") from None


def encode_png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
