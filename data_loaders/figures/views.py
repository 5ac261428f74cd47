"""What a link opens — a contract: shared links, QR codes on slides and other tools rely on it.

The query string holds the drill path and the dates: `?province=68&commune=24781&as_of=2025-03-31`
(GSO codes, with or without leading zeros; ISO dates), `&compare=2025-01-31` for the comparison date,
`&slide=3` on the presentation and `&plan=CODE` for the plan filter (a national plan or a programme
the unit sees; any other code is dropped: components/plan_filter.py); `&lang=en` (or `vi`) opens it
in that language, so a reload, a new tab and a shared link keep the language (the Vietnamese default
is left out). Each page has a fixed path under the app's address.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from data_loaders.figures.scope import UnitInfo

PROVINCE_KEY, COMMUNE_KEY, AS_OF_KEY, COMPARE_KEY, SLIDE_KEY = "province", "commune", "as_of", "compare", "slide"
LANG_KEY = "lang"  # the language a link opens in: "vi" or "en" (data_loaders.i18n.LANGUAGES)
PLAN_KEY = "plan"  # the plan filter of the task figures (tasks, warnings, accountability, the deck's task slides)

# The path of each page under the app's address ("" is the overview, the default page).
PAGE_PATHS = {
    "overview": "", "tasks": "tasks", "infrastructure": "infrastructure", "ecosystem": "ecosystem", "map": "map",
    "warnings": "warnings", "accountability": "accountability", "quality": "quality",
    "presentation": "presentation", "upload": "upload", "accounts": "accounts", "settings": "settings",
    "audit": "audit", "directions": "directions", "inbox": "inbox", "reporting_status": "reporting-status",
    "report_online": "report-online", "approvals": "approvals", "plans": "plans", "targets": "targets",
    "leader_board": "leader", "indicators": "indicators",
}


def view_url(base_url: str, page: str, unit: UnitInfo, as_of: dt.date, compare: dt.date | None = None,
             slide: int | None = None, plan: str | None = None) -> str:
    """A link to a page showing a unit's figures at a date. The date is always in it: the figures a
    QR code opens are frozen at the date on the slide, not whatever is latest when it is scanned."""
    params: dict[str, str] = {}
    if unit.level == "province":
        params[PROVINCE_KEY] = unit.code
    elif unit.level == "commune":
        params[PROVINCE_KEY] = unit.province_code or ""
        params[COMMUNE_KEY] = unit.code
    params[AS_OF_KEY] = as_of.isoformat()
    if compare:
        params[COMPARE_KEY] = compare.isoformat()
    if slide:
        params[SLIDE_KEY] = str(slide)
    if plan:
        params[PLAN_KEY] = plan
    return f"{base_url.rstrip('/')}/{PAGE_PATHS[page]}?{urlencode(params)}"
