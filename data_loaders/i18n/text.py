"""Vietnamese text helpers: matching without diacritics and sorting in Vietnamese alphabetical order."""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_LATIN_MARKS = re.compile("[\u0300-\u036f]")  # the combining diacritical marks block
# Vietnamese alphabet order; letters with a breve/circumflex/horn are letters of their own.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
# Tone marks, in the order Vietnamese dictionaries use: none, huyền, sắc, hỏi, ngã, nặng.
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def fold(text: object) -> str:
    """Lower-case, without diacritics, đ as d, single spaces: "  Lâm  Đồng " -> "lam dong"."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    stripped = _LATIN_MARKS.sub("", decomposed)  # every Vietnamese mark, at C speed (a nation's task titles)
    if not stripped.isascii():  # marks of other scripts, if any, one character at a time
        stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    return " ".join(stripped.split()).lower()


def normalize(text: object) -> str:
    """NFC with single spaces: the form names are stored and compared in."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip()


def vietnamese_sort_key(text: str) -> tuple:
    """Sort key following the Vietnamese alphabet (a ă â b c d đ …), tones as a tie-break."""
    ranked = [_char_key(char) for char in unicodedata.normalize("NFC", text.lower())]
    return tuple(letter for letter, _ in ranked), tuple(tone for _, tone in ranked)


@functools.lru_cache(maxsize=4096)
def _char_key(char: str) -> tuple[int, int]:
    """A character's (letter rank, tone): worked out once per character (the sidebar sorts 3,355 names)."""
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
    tone = next((_TONES[m] for m in marks if m in _TONES), 0)
    return (_LETTER_RANK.get(letter, 100 + ord(letter)) if letter.isalpha() else ord(letter) - 1000), tone
