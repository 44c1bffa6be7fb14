"""Build test uploads in memory: real photo bytes, phone formats, EXIF, broken and hostile files."""

import io

import pillow_heif
from PIL import Image

from tests.conftest import demo_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_bytes(prefix="pants", fmt="JPEG", **save) -> bytes:
    image = Image.open(demo_photo(prefix)).convert("RGB")
    out = io.BytesIO()
    if fmt == "HEIF":
        pillow_heif.from_pillow(image).save(out, quality=80)
    else:
        image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_rotation_and_gps() -> tuple[bytes, tuple[int, int]]:
    """A landscape-stored JPEG whose EXIF says 'rotate 90°' and carries a GPS position."""
    image = Image.open(demo_photo("pants")).convert("RGB").rotate(90, expand=True)  # stored sideways
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 24.0), "E", (2.0, 21.0, 3.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue(), image.size


def huge_pixel_png(width=9000, height=9000) -> bytes:
    """A decompression bomb: tiny on disk, 81 megapixels when decoded."""
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG", optimize=True)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = photo_bytes("pants")
    return data[: len(data) // 2]
