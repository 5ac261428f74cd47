"""Administrative units of the two-level local government (from 1 July 2025).

Codes and names come from the `vietnam-provinces` package (GSO catalogue), never typed by hand;
commune coordinates from the MIT-licensed `vietnamadminunits` package; province label points from
the bundled boundaries (data_loaders/geo).
"""

from __future__ import annotations

import csv
import functools
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from vietnam_provinces import Province, Ward

from data_loaders.store.models import NATIONAL_CODE

GEO_DIR = Path(__file__).resolve().parent / "geo"
NATIONAL_NAME = "Việt Nam"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent_code: str | None
    province_code: str | None
    division_type: str
    lat: float | None
    lon: float | None
    area_km2: float | None = None


def _digits(code: object) -> str:
    text = str(code).strip()
    if text.endswith(".0"):  # a code typed into a number cell comes back as a float
        text = text[:-2]
    if not text.isdigit():
        raise ValueError(f"not a unit code: {code!r}")
    return text


def province_code(code: object) -> str:
    """GSO province code, two digits: 1, "1", "01" -> "01"."""
    return f"{int(_digits(code)):02d}"


def commune_code(code: object) -> str:
    """GSO commune code, five digits: 4, "4", "00004" -> "00004"."""
    return f"{int(_digits(code)):05d}"


def candidate_codes(code: object) -> list[str]:
    """The stored codes a user-typed code may mean, most likely first. Province and commune codes
    overlap once leading zeros are dropped (4 is Cao Bằng, 00004 is Phường Ba Đình), so one or two
    digits mean a province first, five digits a commune."""
    text = str(code).strip()
    if text.upper() == NATIONAL_CODE:
        return [NATIONAL_CODE]
    digits = _digits(text)
    if len(digits) <= 2:
        return [province_code(digits), commune_code(digits)]
    return [commune_code(digits), province_code(digits)]


def _commune_geography() -> dict[str, tuple[float, float, float | None]]:
    dataset = resources.files("vietnamadminunits") / "data" / "dataset.db"
    with resources.as_file(dataset) as path, sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT wardCode, wardLat, wardLon, wardAreaKm2 FROM admin_units").fetchall()
    return {commune_code(code): (lat, lon, area) for code, lat, lon, area in rows if lat is not None}


def _province_label_points() -> dict[str, tuple[float, float]]:
    with open(GEO_DIR / "province_centroids.csv", encoding="utf-8") as handle:
        return {row["code"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(handle)}


@functools.cache
def all_units() -> tuple[Unit, ...]:
    """The nation, its 34 provinces and 3,321 communes, in that order."""
    commune_geography = _commune_geography()
    province_points = _province_label_points()
    units = [Unit(NATIONAL_CODE, NATIONAL_NAME, "national", None, None, "quốc gia", 16.0, 106.0)]
    for province in Province.iter_all():
        code = province_code(province.code.value)
        lat, lon = province_points.get(str(province.code.value), (None, None))
        units.append(
            Unit(code, province.name, "province", NATIONAL_CODE, code, province.division_type.value, lat, lon)
        )
    for ward in Ward.iter_all():
        code = commune_code(ward.code.value)
        parent = province_code(ward.province_code.value)
        lat, lon, area = commune_geography.get(code, (None, None, None))
        units.append(Unit(code, ward.name, "commune", parent, parent, ward.division_type.value, lat, lon, area))
    return tuple(units)


@functools.cache
def old_province_names() -> dict[str, tuple[str, str]]:
    """Pre-2025 province name (as written in old sheets) -> (new code, new name)."""
    with open(GEO_DIR / "old63_to_new34.csv", encoding="utf-8") as handle:
        return {row["old_name"]: (province_code(row["new_code"]), row["new_name"]) for row in csv.DictReader(handle)}


def short_fold_name(name: str) -> str:
    """A name without its type word, for sorting: 'Thành phố Hà Nội' sorts under H, 'Xã An Phú' under A."""
    for prefix in ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name
