"""Pictures checked in one place: as Telegram accepts them for a photo, and cleaned before they are kept or sent.

Telegram takes a photo (sendPhoto, or a phone's picture) of at most 10 MB, whose width and height add up to at
most 10,000 pixels and whose long side is at most 20 times the short one. `telegram_size` checks that from the
file's header and structure (nothing decoded: the simulator hands a resident's photo on as sent). `encode` is the
cleaning both kinds of kept picture share: decoded, turned upright as the camera meant it, flattened to RGB,
downscaled, and saved again as a JPEG without EXIF, ICC or XMP — so no camera position, device or time survives.
An announcement's photo from the dashboard is both (`for_announcement`); a resident's evidence photo has limits of
its own (bot/services/evidence.py) and the same cleaning.

CPU work: call `encode` and `for_announcement` off the event loop.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from enum import Enum

from PIL import Image, ImageOps, UnidentifiedImageError

TELEGRAM_BYTES_MAX = 10 * 1024 * 1024
TELEGRAM_SIDES_MAX = 10_000  # width + height
TELEGRAM_RATIO_MAX = 20  # long side / short side
TELEGRAM_FORMATS = frozenset({"JPEG", "PNG"})  # what the dashboard's file picker offers (image/jpeg, image/png)
ANNOUNCEMENT_SIDE = 2560  # Telegram shows a photo at most this large: more would only be thrown away there
ANNOUNCEMENT_QUALITY = 87


class PhotoProblem(Enum):
    TOO_BIG = "too_big"  # too many bytes or pixels
    TOO_SMALL = "too_small"
    NOT_IMAGE = "not_image"  # not a picture, or a broken one
    SHAPE = "shape"  # sides adding up to too much, or too long and narrow for Telegram


class BadPhoto(Exception):
    def __init__(self, problem: PhotoProblem, size: tuple[int, int] | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.size = size  # (width, height) when the picture could be read


@dataclass(frozen=True, slots=True)
class Photo:
    jpeg: bytes
    width: int
    height: int


_BROKEN = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)


def probe(data: bytes, *, bytes_max: int, formats: frozenset[str]) -> tuple[int, int]:
    """The picture's (width, height) from its header, its format and structure checked; nothing is decoded.

    Raises BadPhoto: TOO_BIG for more than bytes_max or a decompression bomb, NOT_IMAGE for anything else."""
    if len(data) > bytes_max:
        raise BadPhoto(PhotoProblem.TOO_BIG)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in formats:
                    raise BadPhoto(PhotoProblem.NOT_IMAGE)
                size = image.size
                image.verify()  # the file's structure; decoding (encode) finds a truncated picture
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise BadPhoto(PhotoProblem.TOO_BIG) from None
    except _BROKEN:
        raise BadPhoto(PhotoProblem.NOT_IMAGE) from None
    return size


def telegram_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG or PNG that Telegram accepts as a photo; BadPhoto otherwise."""
    width, height = probe(data, bytes_max=TELEGRAM_BYTES_MAX, formats=TELEGRAM_FORMATS)
    if min(width, height) < 1 or width + height > TELEGRAM_SIDES_MAX \
            or max(width, height) > TELEGRAM_RATIO_MAX * min(width, height):
        raise BadPhoto(PhotoProblem.SHAPE, (width, height))
    return width, height


def encode(data: bytes, *, long_side: int, quality: int) -> Photo:
    """The picture (already probed) decoded, upright, in RGB, at most long_side on its long side, as a JPEG with no
    metadata at all. Raises BadPhoto(NOT_IMAGE) for a picture that cannot be decoded (a truncated file)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)  # the orientation tag goes with the EXIF: apply it first
                picture = _flatten(upright)
                picture.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                # No exif=, icc_profile= or xmp= given: Pillow writes none of them.
                picture.save(out, "JPEG", quality=quality, optimize=True)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise BadPhoto(PhotoProblem.TOO_BIG) from None
    except _BROKEN:
        raise BadPhoto(PhotoProblem.NOT_IMAGE) from None
    return Photo(out.getvalue(), picture.width, picture.height)


def for_announcement(data: bytes) -> Photo:
    """An announcement's photo: checked as Telegram would take it, then cleaned (a PNG becomes a JPEG too)."""
    telegram_size(data)
    return encode(data, long_side=ANNOUNCEMENT_SIDE, quality=ANNOUNCEMENT_QUALITY)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only: transparency on white, palettes and grey expanded; nothing of the original's info."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    rgb = image.convert("RGB")
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())  # a fresh image: no info dict carried along
