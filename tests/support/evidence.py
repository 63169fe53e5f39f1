"""A camera's photo with the metadata that must not survive, and a point to share: for the evidence tests."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

# A point in Kecamatan Kejaksan, Kota Cirebon, a few hundred metres from the kecamatan's centre.
POINT = (-6.70912, 108.55871)
KEJAKSAN = "32.74.01"


def jpeg_with_gps(width: int = 3000, height: int = 2000) -> bytes:
    """A camera's JPEG: EXIF with the make, the time, an orientation (turn 90°) and a GPS position; an ICC profile."""
    image = Image.new("RGB", (width, height), (180, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraUji"
    exif[ExifTags.Base.DateTime] = "2026:12:01 08:00:00"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({ExifTags.GPS.GPSLatitudeRef: "S", ExifTags.GPS.GPSLatitude: (6.0, 42.0, 32.8),
                ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (108.0, 33.0, 31.4)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, icc_profile=b"ICC-PROFIL-UJI" * 10)
    return out.getvalue()
