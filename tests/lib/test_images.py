"""Uploads that decode to far more than they weigh: refused, or kept in bounds."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from server.errors import BadInput
from server.lib import images
from tests.pictures import animation, still

# Reads the file, cleans it as an upload, and prints the stored size and the process's peak
# resident memory (VmHWM: ru_maxrss would count the parent's memory from before exec).
CHILD = """
import re, sys
from server.lib import images
data = open(sys.argv[1], "rb").read()
picture = images.clean(data, max_bytes=len(data))
status = open("/proc/self/status").read()
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
print(picture.width, picture.height, peak_kb // 1024)
"""
ROOT = Path(__file__).resolve().parent.parent


def frame_count(data: bytes) -> tuple[int, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        return getattr(image, "n_frames", 1), image.size


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        # 416 KB of APNG that decodes to 7000 x 7000 twice: refused from its header.
        ("apng", lambda: animation("PNG", (7000, 7000), 2, "L"), "7000 x 7000"),
        ("gif", lambda: animation("GIF", (100, 100), 301), "more than 300 frames"),
        ("long gif", lambda: animation("GIF", (1000, 1000), 101), "too long: 101 frames"),
        ("webp", lambda: animation("WEBP", (2100, 2100), 2, "RGB"), "2100 x 2100"),
        ("png", lambda: still("PNG", (5000, 4000), "L"), "5000 x 4000"),
    ],
)
def test_pictures_past_the_pixel_budget_are_refused_with_a_reason(
    name: str, data: object, message: str
) -> None:
    assert callable(data)
    with pytest.raises(BadInput, match=message):
        images.clean(data(), max_bytes=10_000_000)


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_animations_are_cut_to_the_largest_side_like_stills(fmt: str) -> None:
    cleaned = images.clean(animation(fmt, (3000, 1000), 3), max_bytes=10_000_000)
    assert (cleaned.width, cleaned.height) == (2048, 683)
    assert frame_count(cleaned.data) == (3, (2048, 683))


def test_long_animations_shrink_until_all_their_frames_fit_the_budget() -> None:
    cleaned = images.clean(animation("GIF", (600, 600), 100), max_bytes=10_000_000)
    frames, (width, height) = frame_count(cleaned.data)
    assert frames == 100 and width == height < 600
    assert width * height * frames <= images.MAX_STORED_PIXELS


@pytest.mark.parametrize(
    "case",
    [
        "apng 2048x2048, 23 frames",
        "webp 2048x2048, 23 frames",
        "png 4000x3000",
        "webp 3000x2600",
        "jpeg 12000x7400",
    ],
)
def test_the_largest_accepted_uploads_stay_under_200_mb(case: str, tmp_path: Path) -> None:
    kind, size_text, *rest = case.replace(",", "").split()
    size = (int(size_text.split("x")[0]), int(size_text.split("x")[1]))
    fmt = {"apng": "PNG", "gif": "GIF", "webp": "WEBP", "png": "PNG", "jpeg": "JPEG"}[kind]
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    data = animation(fmt, size, int(rest[0]), mode) if rest else still(fmt, size, mode)
    path = tmp_path / "upload"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    width, height, peak_mb = map(int, done.stdout.split())
    assert max(width, height) <= images.MAX_SIDE
    assert peak_mb < 200, f"{case}: peak {peak_mb} MB"
