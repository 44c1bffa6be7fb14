"""Reading uploaded photos safely: accepted formats only, size and pixel limits, EXIF applied.

Everything a user can send is checked before anything is stored; each failure is a PhotoRejected
whose message is shown to the user as it is.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_LABEL = "JPEG, PNG, WebP or HEIC"


class PhotoRejected(ValueError):
    pass


@dataclass
class NormalisedPhoto:
    jpeg: bytes  # orientation applied, no metadata at all (so no location)
    width: int
    height: int
    original_format: str
    sha256: str  # of the uploaded bytes


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def photo_normalise(data: bytes, *, max_bytes: int, max_pixels: int) -> NormalisedPhoto:
    if len(data) == 0:
        raise PhotoRejected("The file is empty.")
    if len(data) > max_bytes:
        raise PhotoRejected(f"The file is {_mb(len(data))}; the limit is {_mb(max_bytes)}.")
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow warns above this and refuses above twice it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected(f"The image has too many pixels; the limit is {max_pixels / 1e6:.0f} megapixels.") from exc
    except (Image.UnidentifiedImageError, OSError, ValueError) as exc:
        raise PhotoRejected(f"This is not a supported image. Please upload {ACCEPTED_LABEL}.") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise PhotoRejected(
            f"The image is {width}×{height} pixels ({width * height / 1e6:.0f} MP); "
            f"the limit is {max_pixels / 1e6:.0f} megapixels."
        )
    fmt = image.format
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, image)
        image = image.convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoRejected("The file is truncated or corrupt, so it cannot be read.") from exc
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, optimize=True)  # no exif= argument: metadata is not copied
    return NormalisedPhoto(
        jpeg=out.getvalue(),
        width=image.width,
        height=image.height,
        original_format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def photo_open_for_pipeline(path: str, work_size: int) -> Image.Image:
    """Decode a stored photo at about `work_size` on the long side (JPEG draft mode decodes small)."""
    image = Image.open(path, formats=("JPEG",))
    image.draft("RGB", (work_size, work_size))
    image = image.convert("RGB")
    image.thumbnail((work_size, work_size), Image.Resampling.BILINEAR)
    return image
