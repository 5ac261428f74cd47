"""Matching the units people type in sheets to the 2025 catalogue: by code, or by name within the
province (commune names repeat across provinces), with or without diacritics and the type word."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

from data_loaders.i18n.text import fold
from data_loaders.store.models import NATIONAL_CODE
from data_loaders.units.divisions import Unit, all_units, commune_code, old_province_names, province_code

_TYPE_WORDS = re.compile(r"^(tinh|thanh pho|tp\.?|xa|phuong|dac khu|thi tran|thi xa)\s+")
NATIONAL_ALIASES = {"vn", "trung uong", "toan quoc", "viet nam", "central", "national", "bo nganh trung uong"}


def short_fold(name: str) -> str:
    """'Thành phố Hà Nội' -> 'ha noi'; 'Xã Phú Cát' -> 'phu cat'; 'TP. Huế' -> 'hue'."""
    folded = fold(name).replace("tp.", "tp ")
    folded = " ".join(folded.split())
    return _TYPE_WORDS.sub("", folded).strip()


@dataclass(frozen=True)
class Match:
    unit: Unit | None
    error_key: str | None = None
    error_params: dict | None = None
    warning_key: str | None = None
    warning_params: dict | None = None


class UnitIndex:
    def __init__(self, units: tuple[Unit, ...]) -> None:
        self.by_code = {unit.code: unit for unit in units}
        self.provinces = [unit for unit in units if unit.level == "province"]
        self.province_by_name: dict[str, Unit] = {}
        for unit in self.provinces:
            self.province_by_name[fold(unit.name)] = unit
            self.province_by_name[short_fold(unit.name)] = unit
        self.old_province_by_name: dict[str, tuple[str, str]] = {}
        for old_name, (new_code, _new_name) in old_province_names().items():
            self.old_province_by_name.setdefault(short_fold(old_name), (old_name, new_code))
        self.communes_by_province: dict[str, dict[str, list[Unit]]] = {}
        for unit in units:
            if unit.level != "commune":
                continue
            names = self.communes_by_province.setdefault(unit.province_code, {})
            for key in {fold(unit.name), short_fold(unit.name)}:
                names.setdefault(key, []).append(unit)

    def match_province(self, code: object, name: object) -> Match:
        code_text = "" if code is None else str(code).strip()
        name_text = "" if name is None else str(name).strip()
        if code_text:
            if fold(code_text) in NATIONAL_ALIASES:
                return Match(self.by_code[NATIONAL_CODE])
            try:
                unit = self.by_code.get(province_code(code_text))
            except ValueError:
                unit = None
            if unit is None or unit.level != "province":
                return Match(None, "err_unknown_province",
                             {"suggestions": self._suggest_provinces(name_text or code_text)})
            if name_text and not self._province_name_fits(unit, name_text):
                return Match(None, "err_code_name_mismatch", {"code": code_text, "actual": unit.name})
            return Match(unit)
        if not name_text:
            return Match(None, "err_unit_missing", {})
        if fold(name_text) in NATIONAL_ALIASES:
            return Match(self.by_code[NATIONAL_CODE])
        unit = self.province_by_name.get(fold(name_text)) or self.province_by_name.get(short_fold(name_text))
        if unit:
            return Match(unit)
        old = self.old_province_by_name.get(short_fold(name_text))
        if old:
            unit = self.by_code[old[1]]
            return Match(unit, warning_key="warn_old_province", warning_params={"old": name_text, "new": unit.name})
        return Match(None, "err_unknown_province", {"suggestions": self._suggest_provinces(name_text)})

    def _province_name_fits(self, unit: Unit, name: str) -> bool:
        if short_fold(name) in {fold(unit.name), short_fold(unit.name)}:
            return True
        old = self.old_province_by_name.get(short_fold(name))
        return bool(old and old[1] == unit.code)

    def match_commune(self, province: Unit, code: object, name: object) -> Match:
        code_text = "" if code is None else str(code).strip()
        name_text = "" if name is None else str(name).strip()
        if code_text:
            try:
                unit = self.by_code.get(commune_code(code_text))
            except ValueError:
                unit = None
            if unit is None or unit.level != "commune" or unit.province_code != province.code:
                return Match(None, "err_unknown_commune",
                             {"province": province.name,
                              "suggestions": self._suggest_communes(province, name_text or code_text)})
            if name_text and short_fold(name_text) not in {fold(unit.name), short_fold(unit.name)}:
                return Match(None, "err_code_name_mismatch", {"code": code_text, "actual": unit.name})
            return Match(unit)
        names = self.communes_by_province.get(province.code, {})
        candidates = names.get(fold(name_text)) or names.get(short_fold(name_text)) or []
        if len(candidates) == 1:
            return Match(candidates[0])
        return Match(None, "err_unknown_commune",
                     {"province": province.name, "suggestions": self._suggest_communes(province, name_text)})

    def _suggest_provinces(self, text: str) -> str:
        names = {short_fold(unit.name): unit.name for unit in self.provinces}
        close = difflib.get_close_matches(short_fold(text), list(names), n=3, cutoff=0.5)
        return ", ".join(names[c] for c in close) or "–"

    def _suggest_communes(self, province: Unit, text: str) -> str:
        names = {key: units[0].name for key, units in self.communes_by_province.get(province.code, {}).items()}
        close = difflib.get_close_matches(short_fold(text), list(names), n=3, cutoff=0.5)
        return ", ".join(dict.fromkeys(names[c] for c in close)) or "–"


@functools.cache
def unit_index() -> UnitIndex:
    return UnitIndex(all_units())
