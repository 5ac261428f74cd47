"""The provincial DTI beside NQ57 task progress: each province's latest DTI indices ranked, next to
its on-time task rate and rank.

Rules (one definition, here):
- a province's DTI at a date is the value of its latest year reported on or before the date (each
  index separately; the overall index decides the rank), aggregated in SQL;
- the DTI rank is the place by the overall index, highest first, provinces with the same index
  sharing a place (SQL RANK); provinces without an overall index are listed last, unranked;
- a value is *sample* when the upload it came from is the bundled sample (uploaded as "sample"), so
  every view can say which values are not official;
- the task figures beside it are accountability.ranking's, by child, unchanged (no new definition).
The DTI indices are the catalogue's group "dti" (store/dti.py); an index retired from the catalogue
drops out of the columns, its values stay.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine, func, select

from data_loaders.figures import accountability
from data_loaders.figures.scope import connect, get_unit
from data_loaders.i18n.text import vietnamese_sort_key
from data_loaders.store.dti import GROUP, OVERALL
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import NATIONAL_CODE, SAMPLE_USER, AdminUnit, IndicatorValue, Upload


class DtiRow(TypedDict):
    code: str
    name: str
    year: int | None  # the year of the overall index
    indices: dict[str, float | None]  # indicator code -> value
    dti_rank: int | None
    ranked: int  # provinces with a DTI rank (the "of 34" of a place)
    sample: bool  # any value of the row came from the bundled sample
    tasks: int
    on_time_rate: float | None
    task_rank: int | None


def dti_codes(engine: Engine | None = None) -> tuple[str, ...]:
    """The active DTI indices of the catalogue, the overall index first."""
    return tuple(i.code for i in indicator_catalogue(engine, scope=NATIONAL_CODE) if i.group == GROUP)


def province_scores(as_of: dt.date, engine: Engine | None = None) -> list[dict]:
    """Per province with any DTI value on or before `as_of`: {code, name, period (of the overall
    index), indices {code: value}, dti_rank, sample}, ranked by the overall index in SQL."""
    codes = dti_codes(engine)
    if not codes:
        return []
    latest = (select(IndicatorValue.unit_code, IndicatorValue.indicator_code, IndicatorValue.period,
                     IndicatorValue.value, (Upload.uploaded_by == SAMPLE_USER).label("sample"),
                     func.row_number().over(partition_by=(IndicatorValue.unit_code, IndicatorValue.indicator_code),
                                            order_by=IndicatorValue.period.desc()).label("newest"))
              .join(AdminUnit, AdminUnit.code == IndicatorValue.unit_code)
              .outerjoin(Upload, Upload.id == IndicatorValue.upload_id)
              .where(AdminUnit.level == "province", IndicatorValue.indicator_code.in_(codes),
                     IndicatorValue.period <= as_of)
              .subquery())
    overall = (select(latest.c.unit_code, latest.c.value, latest.c.period,
                      func.rank().over(order_by=latest.c.value.desc()).label("dti_rank"))
               .where(latest.c.newest == 1, latest.c.indicator_code == OVERALL).subquery())
    query = (select(latest.c.unit_code, AdminUnit.name, latest.c.indicator_code, latest.c.value, latest.c.sample,
                    overall.c.period, overall.c.dti_rank)
             .join(AdminUnit, AdminUnit.code == latest.c.unit_code)
             .outerjoin(overall, overall.c.unit_code == latest.c.unit_code)
             .where(latest.c.newest == 1)
             .order_by(overall.c.dti_rank.is_(None), overall.c.dti_rank, AdminUnit.name))
    rows: dict[str, dict] = {}
    with connect(engine) as conn:
        for record in conn.execute(query):
            row = rows.setdefault(record.unit_code, {
                "code": record.unit_code, "name": record.name, "period": record.period,
                "dti_rank": None if record.dti_rank is None else int(record.dti_rank),
                "indices": dict.fromkeys(codes), "sample": False})
            row["indices"][record.indicator_code] = float(record.value)
            row["sample"] = row["sample"] or bool(record.sample)
    return list(rows.values())


def ranking_beside_tasks(unit_code: str, as_of: dt.date, engine: Engine | None = None, *,
                         plan: str | None = None) -> list[DtiRow]:
    """The provinces (the units below the nation) with their DTI and its rank beside their on-time
    task rate and rank (accountability.ranking by child, with `plan` that plan's tasks), in DTI rank
    order; provinces without a DTI last, by name. Only the nation has provinces below it: any other
    unit gets its own province's row alone (or nothing)."""
    unit = get_unit(unit_code, engine)
    scores = {row["code"]: row for row in province_scores(as_of, engine)}
    nation = get_unit(NATIONAL_CODE, engine)
    tasks = {row["key"]: row for row in accountability.ranking(nation.code, as_of, "child", engine, plan=plan)
             if not row.get("own")}
    codes = dti_codes(engine)
    result: list[DtiRow] = []
    for key, task in tasks.items():
        score = scores.get(key)
        period = score["period"] if score else None
        result.append(DtiRow(
            code=key, name=task["name"], year=period.year if period else None,
            indices=score["indices"] if score else dict.fromkeys(codes),
            dti_rank=score["dti_rank"] if score else None, ranked=0, sample=bool(score and score["sample"]),
            tasks=int(task["total"]), on_time_rate=task.get("on_time_rate"), task_rank=task.get("rank")))
    ranked = sum(1 for row in result if row["dti_rank"] is not None)
    for row in result:
        row["ranked"] = ranked
    result.sort(key=lambda row: (row["dti_rank"] is None, row["dti_rank"] or 0, vietnamese_sort_key(row["name"])))
    if unit.level == "national":
        return result
    province = unit.code if unit.level == "province" else unit.province_code
    return [row for row in result if row["code"] == province]

