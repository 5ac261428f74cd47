"""Rows written straight into a migrated database, for tests that need exact, small data."""

from __future__ import annotations

import datetime as dt

from data_loaders.store import engine as db
from data_loaders.store.models import Agency, IndicatorValue, Task, TaskReport, Upload

AS_OF = dt.date(2025, 6, 30)
PROVINCE, COMMUNE, OTHER_COMMUNE = "68", "24781", "24823"  # Lâm Đồng; two of its communes
D = dt.date


class Builder:
    """Rows straight into a migrated database: agencies, tasks with their reports, indicator values."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.session = db.session_factory(engine)()
        self.agencies: dict[str, int] = {}
        self.count = 0

    def agency(self, name: str) -> int:
        if name not in self.agencies:
            agency = Agency(name=name)
            self.session.add(agency)
            self.session.flush()
            self.agencies[name] = agency.id
        return self.agencies[name]

    def upload(self, kind: str = "tasks", status: str = "imported", rows: int = 0, messages: dict | None = None,
               user: str = "tester") -> int:
        upload = Upload(file_name=f"f{self.count}.xlsx", kind=kind, sha256=f"{self.count:064d}", uploaded_by=user,
                        uploaded_at=dt.datetime(2025, 7, 1, tzinfo=dt.timezone.utc), status=status, rows=rows,
                        messages=messages or {}, content=None)
        self.count += 1
        self.session.add(upload)
        self.session.flush()
        return upload.id

    def task(self, code: str, deadline: dt.date, reports: list[tuple], owner: str = COMMUNE, agency: str = "Sở A",
             official: str = "Nguyễn Văn A", upload_id: int | None = None) -> None:
        """reports: (date, status, progress[, source_row])."""
        task = Task(code=code, title=f"Task {code}", plan="01-KH/BCĐTW", area="research",
                    lead_agency_id=self.agency(agency), owner_unit_code=owner, responsible_official=official,
                    deadline=deadline, upload_id=upload_id)
        self.session.add(task)
        self.session.flush()
        for report in reports:
            day, status, progress, *row = report
            self.session.add(TaskReport(task_id=task.id, report_date=day, status=status, progress_pct=progress,
                                        upload_id=upload_id, source_row=row[0] if row else None))

    def value(self, commune: str, period: dt.date, indicator: str, value: float, upload_id: int | None = None,
              source_row: int | None = None) -> None:
        self.session.add(IndicatorValue(indicator_code=indicator, unit_code=commune, period=period, value=value,
                                        upload_id=upload_id, source_row=source_row))

    def commit(self):
        self.session.commit()
        self.session.close()
        return self.engine
