"""Uploaded pictures: type read from the bytes, re-encoded so no metadata survives, kept on disk."""

from __future__ import annotations

import io
import math
import os
import re
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import GifImagePlugin, Image, ImageCms, ImageOps, ImageSequence

from server.errors import BadInput, GlimpseError, TooLarge


class UnsupportedImage(GlimpseError):
    status, code = 415, "unsupported_media_type"
    message = "Only PNG, JPEG, WebP and GIF pictures can be added."


@dataclass(frozen=True)
class Kind:
    pil: str
    content_type: str
    ext: str
    # Pixels a still may decode to, read from the header before any is decoded: what each
    # decoder holds at once differs (a JPEG counts at the reduced size it is drawn at, and a WebP
    # decoder keeps four copies), so each keeps a picture under about 130 MB.
    max_pixels: int


KINDS = {
    "png": Kind("PNG", "image/png", "png", 12_000_000),
    "jpeg": Kind("JPEG", "image/jpeg", "jpg", 24_000_000),
    "webp": Kind("WEBP", "image/webp", "webp", 8_000_000),
    "gif": Kind("GIF", "image/gif", "gif", 16_000_000),
}
CONTENT_TYPES = {kind.ext: kind.content_type for kind in KINDS.values()}
FILENAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp|gif)$")
# Phones take 12-megapixel photos; nobody reads a live blog at that size on venue Wi-Fi.
MAX_SIDE = 2048
# Budgets read from the headers before a pixel is decoded, so that a small file cannot expand
# into gigabytes: a still's is its kind's max_pixels; each frame of an animation may be 4.2
# megapixels (Pillow keeps three or four canvases of one at once), and all the frames of one
# together 100 (the time it takes).
MAX_FRAME_PIXELS = 4_200_000
MAX_ANIMATION_PIXELS = 100_000_000
MAX_FRAMES = 300
# What an animation keeps, all frames together: longer ones are scaled down further to fit.
MAX_STORED_PIXELS = 12_000_000
# What a re-encoded picture may keep from the original's info: how it looks and moves, nothing
# about who took it, where, or with what (EXIF, XMP, comments, text chunks, ICC profiles).
KEEP_INFO = frozenset({"transparency", "duration", "loop", "background", "disposal"})
SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 85, "optimize": True},
    "WEBP": {"quality": 85},
}


@dataclass(frozen=True)
class Picture:
    data: bytes
    kind: Kind
    width: int
    height: int


def sniff(data: bytes) -> Kind | None:
    """The picture's type from its magic numbers, whatever its name or declared type say."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if data.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return KINDS["webp"]
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return KINDS["gif"]
    return None


def clean(data: bytes, *, max_bytes: int) -> Picture:
    """Check and re-encode an upload; raise TooLarge, UnsupportedImage or BadInput."""
    if len(data) > max_bytes:
        raise TooLarge(f"Pictures can be at most {max_bytes // (1024 * 1024)} MB.")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedImage()
    with _reading():
        image = Image.open(io.BytesIO(data), formats=[kind.pil])
        # A JPEG decodes straight to a fraction of its size: only that fraction is ever held.
        image.draft(None, (MAX_SIDE, MAX_SIDE))
        frames = _frame_count(image)
        _check_budget(kind, image.width, image.height, frames)
        out = _animated(image, kind, frames) if frames > 1 else _still(image, kind)
    with Image.open(io.BytesIO(out)) as check:
        width, height = check.size
    return Picture(out, kind, width, height)


@contextmanager
def _reading() -> Iterator[None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadInput("That file could not be read as a picture.") from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise BadInput("That picture has too many pixels.") from exc


def _frame_count(image: Image.Image) -> int:
    """Frames from the file's headers, none decoded; a GIF is counted only to one past the limit."""
    if not getattr(image, "is_animated", False):
        return 1
    if not isinstance(image, GifImagePlugin.GifImageFile):
        return int(getattr(image, "n_frames", 1))  # PNG's acTL and WebP's ANIM headers say
    # A GIF has no count: n_frames would walk a file of a million tiny frames to its end.
    count = 1
    try:
        while count <= MAX_FRAMES:
            image._seek(count, update_image=False)
            count += 1
    except EOFError:
        pass
    image.seek(0)
    return count


def _check_budget(kind: Kind, width: int, height: int, frames: int) -> None:
    pixels = width * height
    if frames == 1:
        if pixels > kind.max_pixels:
            raise BadInput(
                f"That picture is too large: {width} x {height} pixels, and {kind.ext.upper()}"
                f" pictures can be at most {kind.max_pixels / 1e6:.0f} megapixels."
            )
        return
    if frames > MAX_FRAMES:
        raise BadInput(f"That animation has more than {MAX_FRAMES} frames; shorten it.")
    if pixels > MAX_FRAME_PIXELS:
        raise BadInput(
            f"That animation is too large: its frames are {width} x {height} pixels, and"
            f" animations can be at most {MAX_FRAME_PIXELS / 1e6:.1f} megapixels a frame."
        )
    if pixels * frames > MAX_ANIMATION_PIXELS:
        raise BadInput(
            f"That animation is too long: {frames} frames of {width} x {height} pixels are"
            f" {pixels * frames / 1e6:.0f} megapixels, and animations can be at most"
            f" {MAX_ANIMATION_PIXELS / 1e6:.0f} megapixels, all frames together."
        )


def _bare(image: Image.Image) -> Image.Image:
    copy = image.copy()
    copy.info = {k: v for k, v in image.info.items() if k in KEEP_INFO}
    return copy


def _srgb(image: Image.Image) -> Image.Image:
    """Convert from an embedded colour profile, so dropping the profile keeps the colours."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"))
    except (ImageCms.PyCMSError, OSError):
        return image
    return converted if converted is not None else image


def _still(image: Image.Image, kind: Kind) -> bytes:
    # Scaled down first, so turning and colour conversion work on the small copy only.
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Phones store portrait photos sideways with an EXIF note; turn them before that note goes.
    image = _srgb(ImageOps.exif_transpose(image))
    image = _bare(image)
    if kind.pil == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=kind.pil, **SAVE_OPTIONS.get(kind.pil, {}))
    return out.getvalue()


def stored_size(width: int, height: int, frames: int) -> tuple[int, int]:
    """An animation's frame size: within MAX_SIDE, and within MAX_STORED_PIXELS all together."""
    scale = min(
        1.0, MAX_SIDE / max(width, height), math.sqrt(MAX_STORED_PIXELS / (width * height * frames))
    )
    return max(1, round(width * scale)), max(1, round(height * scale))


def _animated(image: Image.Image, kind: Kind, frames: int) -> bytes:
    """Frame by frame: only the decoder's canvases are ever full size, never the whole film."""
    size = stored_size(image.width, image.height, frames)
    kept: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        durations.append(int(frame.info.get("duration", 100)))
        rgba = frame if frame.mode == "RGBA" else frame.convert("RGBA")
        small = rgba.copy() if rgba.size == size else rgba.resize(size, reducing_gap=2.0)
        small.info = {}  # the timing goes to save() below; comments and the rest go nowhere
        kept.append(small)
    out = io.BytesIO()
    kept[0].save(
        out,
        format=kind.pil,
        save_all=True,
        append_images=kept[1:],
        duration=durations,
        loop=int(image.info.get("loop", 0)),
        **SAVE_OPTIONS.get(kind.pil, {}),
    )
    return out.getvalue()


def store(folder: Path, picture: Picture) -> str:
    """Write the picture under a fresh random name; the name never points at other bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{picture.kind.ext}"
    partial = folder / f".{name}.part"
    partial.write_bytes(picture.data)
    os.replace(partial, folder / name)
    return name


def path_of(folder: Path, filename: str) -> Path | None:
    """The stored file for a name from a URL, or None: no other path can be reached."""
    if not FILENAME.match(filename):
        return None
    path = folder / filename
    return path if path.is_file() else None
