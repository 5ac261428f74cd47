"""Showing user-supplied text (titles, names, notes) inside Markdown without it being read as markup."""

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape(text: object) -> str:
    return _MARKDOWN_SPECIALS.sub(r"\\\1", "" if text is None else str(text))
