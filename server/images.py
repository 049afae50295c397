"""Uploaded pictures: type read from the bytes, re-encoded so no metadata survives, kept on disk."""

from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, ImageSequence

from server.errors import BadInput, GlimpseError, TooLarge


class UnsupportedImage(GlimpseError):
    status, code = 415, "unsupported_media_type"
    message = "Only PNG, JPEG, WebP and GIF pictures can be added."


@dataclass(frozen=True)
class Kind:
    pil: str
    content_type: str
    ext: str


KINDS = {
    "png": Kind("PNG", "image/png", "png"),
    "jpeg": Kind("JPEG", "image/jpeg", "jpg"),
    "webp": Kind("WEBP", "image/webp", "webp"),
    "gif": Kind("GIF", "image/gif", "gif"),
}
CONTENT_TYPES = {kind.ext: kind.content_type for kind in KINDS.values()}
FILENAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp|gif)$")
# Phones take 12-megapixel photos; nobody reads a live blog at that size on venue Wi-Fi.
MAX_SIDE = 2048
# Past this, a small file can still be a decompression bomb.
MAX_PIXELS = 50_000_000
MAX_FRAMES = 300
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
    image = _open(data, kind)
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES or image.width * image.height * frames > MAX_PIXELS * 2:
        raise BadInput("That animation is too long or too large.")
    out = _animated(image, kind) if frames > 1 else _still(image, kind)
    with Image.open(io.BytesIO(out)) as check:
        width, height = check.size
    return Picture(out, kind, width, height)


def _open(data: bytes, kind: Kind) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind.pil])
            if image.width * image.height > MAX_PIXELS:
                raise BadInput("That picture has too many pixels.")
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise BadInput("That file could not be read as a picture.") from exc
    except Image.DecompressionBombError as exc:
        raise BadInput("That picture has too many pixels.") from exc
    return image


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
    # Phones store portrait photos sideways with an EXIF note; turn them before that note goes.
    image = _srgb(ImageOps.exif_transpose(image))
    image = _bare(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind.pil == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=kind.pil, **SAVE_OPTIONS.get(kind.pil, {}))
    return out.getvalue()


def _animated(image: Image.Image, kind: Kind) -> bytes:
    frames = [_bare(frame) for frame in ImageSequence.Iterator(image)]
    durations = [int(frame.info.get("duration", 100)) for frame in frames]
    out = io.BytesIO()
    frames[0].save(
        out,
        format=kind.pil,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=int(image.info.get("loop", 0)),
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
