"""Indonesia's three time zones, known in this one place: the names the regions table stores, their fixed UTC
offsets (the SQL of the summaries counts local days with them) and the tz database zones (for Python's datetimes)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

DEFAULT_ZONE = "WIB"  # the whole country's figures, and a resident before they chose a region
ZONE_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}  # fixed offsets: Indonesia keeps no daylight saving time
ZONE_NAMES = tuple(ZONE_HOURS)
ZONES = {"WIB": ZoneInfo("Asia/Jakarta"), "WITA": ZoneInfo("Asia/Makassar"), "WIT": ZoneInfo("Asia/Jayapura")}


def zone_info(name: str | None) -> ZoneInfo:
    """The tz database zone of a zone name; an unknown name (or none) counts as the default zone."""
    return ZONES.get(name or DEFAULT_ZONE, ZONES[DEFAULT_ZONE])


def zone_hours(name: str | None) -> int:
    """The fixed UTC offset in hours of a zone name; an unknown name (or none) counts as the default zone."""
    return ZONE_HOURS.get(name or DEFAULT_ZONE, ZONE_HOURS[DEFAULT_ZONE])
