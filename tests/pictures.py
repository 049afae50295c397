"""Pictures built with Pillow for upload tests: small on disk, however large they decode."""

from __future__ import annotations

import io
from collections.abc import Iterator

from PIL import Image, ImageDraw


def frames(count: int, size: tuple[int, int], mode: str = "RGBA") -> Iterator[Image.Image]:
    """Flat frames with a square that moves, so no encoder folds two frames into one."""
    for i in range(count):
        frame = Image.new(mode, size, "#1478c8")
        x = (i * 37) % max(1, size[0] - 50)
        ImageDraw.Draw(frame).rectangle((x, 10, x + 40, 50), fill="#fa8c0a")
        yield frame


# The quickest encodings: a test should not wait for the builder longer than for the server.
FAST: dict[str, dict[str, object]] = {
    "WEBP": {"method": 0, "quality": 50},
    "PNG": {"compress_level": 1},
}


def animation(fmt: str, size: tuple[int, int], count: int, mode: str = "RGBA") -> bytes:
    """An animated PNG, GIF or WebP of `count` frames (GIFs are built from palette frames)."""
    first, *rest = frames(count, size, "P" if fmt == "GIF" else mode)
    out = io.BytesIO()
    options = FAST.get(fmt, {})
    first.save(out, format=fmt, save_all=True, append_images=rest, duration=80, **options)
    return out.getvalue()


def still(fmt: str, size: tuple[int, int], mode: str = "RGBA") -> bytes:
    (picture,) = frames(1, size, mode)
    out = io.BytesIO()
    picture.save(out, format=fmt, **FAST.get(fmt, {}))
    return out.getvalue()


def jpeg(size: tuple[int, int] = (30, 20)) -> bytes:
    """A flat blue JPEG."""
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()
