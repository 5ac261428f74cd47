"""The data model. Alembic migrations (data_loaders/migrations) create and evolve these tables.

Administrative units keep their GSO codes: "VN" for the nation, two digits for a province ("01",
"68"), five for a commune ("00004", "24781"). Without the leading zeros the two ranges overlap.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NATIONAL_CODE = "VN"
SAMPLE_USER = "sample"  # who the bundled sample workbooks are uploaded as
LEVELS = ("national", "province", "commune")
TASK_STATUSES = ("completed", "in_progress", "not_started")

# The lengths of the text a person supplies, declared once: the String(n) columns below and the
# upload validator (ingest/validate.py) read them, so an over-long cell is a cell error naming its
# limit on every backend, not a database error at commit (SQLite never enforces String(n)).
TASK_CODE_LENGTH = 40
AGENCY_NAME_LENGTH = 200
OFFICIAL_NAME_LENGTH = 120
FILE_NAME_LENGTH = 255
ACTOR_LENGTH = 120  # a username, "sample" or "cli:<login>"
# task titles and report notes are Text columns; these limits are the validator's alone
TASK_TITLE_LENGTH = 1000
REPORT_NOTE_LENGTH = 2000
DOCUMENT_NUMBER_LENGTH = 100  # "Quyết định số 1131/QĐ-TTg" and longer: the assigning document's number
ANNOTATION_TEXT_LENGTH = 300  # a note on a chart: a line, not a report


class Base(DeclarativeBase):
    pass


class AdminUnit(Base):
    __tablename__ = "admin_unit"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("admin_unit.code"))
    # The province a unit lies in (itself for a province, None for the nation): one indexed
    # column lets every rollup select a subtree without recursive queries.
    province_code: Mapped[str | None] = mapped_column(String(8), index=True)
    division_type: Mapped[str] = mapped_column(String(40))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class Agency(Base):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(AGENCY_NAME_LENGTH), unique=True)


class Upload(Base):
    """One file a person uploaded. Its id is the data version the UI caches are keyed on."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(FILE_NAME_LENGTH))
    kind: Mapped[str | None] = mapped_column(String(20))  # tasks | indicators; None: the file could not be read
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # the account's username, "sample", or "cli:<login>" for the command line without --user (never an account)
    uploaded_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))  # imported | unchanged | rejected
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # {"errors": [...], "warnings": [...], counts}: each problem a message key with parameters (ingest/problems.py)
    messages: Mapped[dict] = mapped_column(JSON, default=dict)
    # The original file, kept for audit: always for a commit; for a rejected attempt only if no other row
    # holds the same bytes (found by sha256) and until the retention setting drops it (ingest/history.py)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)


class Task(Base):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(TASK_CODE_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(40))
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    owner_unit_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"), index=True)
    responsible_official: Mapped[str] = mapped_column(String(OFFICIAL_NAME_LENGTH))
    deadline: Mapped[dt.date] = mapped_column(Date)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    source_row: Mapped[int | None] = mapped_column(Integer)
    # the document that assigned the task (số và ngày văn bản giao nhiệm vụ), when the file gives it
    document_number: Mapped[str | None] = mapped_column(String(DOCUMENT_NUMBER_LENGTH))
    document_date: Mapped[dt.date | None] = mapped_column(Date)

    lead_agency: Mapped[Agency] = relationship()
    reports: Mapped[list[TaskReport]] = relationship(back_populates="task", order_by="TaskReport.report_date")


class TaskReport(Base):
    """A progress report on a task. A task's status at a date is its latest report on or before it."""

    __tablename__ = "task_report"
    __table_args__ = (
        UniqueConstraint("task_id", "report_date", name="uq_task_report_task_date"),
        Index("ix_task_report_date_task", "report_date", "task_id"),
        # each task's latest report at a date read from the index alone (migration 0024)
        Index("ix_task_report_latest", "task_id", "report_date", "status", "progress_pct"),
        # the uploaded rows (data quality, withdrawals, the problems' rows): only rows from an upload
        Index("ix_task_report_upload_row", "upload_id", "source_row",
              postgresql_where=sql_text("upload_id IS NOT NULL"), sqlite_where=sql_text("upload_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    report_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    progress_pct: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    source_row: Mapped[int | None] = mapped_column(Integer)

    task: Mapped[Task] = relationship(back_populates="reports")


class Indicator(Base):
    __tablename__ = "indicator"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit_vi: Mapped[str] = mapped_column(String(40))
    unit_en: Mapped[str] = mapped_column(String(40))
    # how values combine upwards: store/catalogue.py ROLLUPS (sum, population_weighted, average,
    # latest, none), defined in SQL once in figures/indicators.py
    rollup: Mapped[str] = mapped_column(String(30))
    # the catalogue (migration 0013): an administrator adds, retires and deletes indicators
    # (identity/indicators.py); every reader goes through store/indicator_catalogue.py
    integer: Mapped[bool] = mapped_column(Boolean, default=False)
    minimum: Mapped[float] = mapped_column(Float, default=0)
    maximum: Mapped[float] = mapped_column(Float, default=1e12)
    decimals: Mapped[int] = mapped_column(Integer, default=0)
    group: Mapped[str] = mapped_column(String(20), default="ecosystem")
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    frequency: Mapped[str] = mapped_column(String(10), default="monthly")
    reporting_levels: Mapped[str] = mapped_column(String(40), default="commune")  # comma-separated levels
    owner_province_code: Mapped[str | None] = mapped_column(String(8), index=True)  # None: national
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class IndicatorValue(Base):
    """A commune's value of an indicator for a period; `period` is the period's last day."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_code", "unit_code", "period", name="uq_indicator_value_key"),
        # an indicator's values over a range of periods, read from the index alone (the communes' values of the
        # warnings' trends, early_warnings.commune_values: 40,000 rows scattered over 5,800 table pages nationally)
        Index("ix_indicator_value_period", "indicator_code", "period", "unit_code", "value"),
        # latest/earliest data date; the values of a period (reported_values: read from the index alone)
        Index("ix_indicator_value_period_unit", "period", "indicator_code", "unit_code"),
        # a unit's upload rows, recounted at commit from the index alone (indicator_rollups.count_uploaded_rows)
        Index("ix_indicator_value_unit_upload", "unit_code", "upload_id", "source_row",
              postgresql_where=sql_text("upload_id IS NOT NULL"), sqlite_where=sql_text("upload_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"))
    period: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    source_row: Mapped[int | None] = mapped_column(Integer)


class Setting(Base):
    """A threshold an administrator can change (warnings, quality scores); defaults live in
    data_loaders/settings.py, this table holds only what was changed."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(120))


class RollupCache(Base):
    """Computed figures shared by every app process: one row per query and arguments, valid for
    the data version it was computed at (see data_loaders/rollup_cache.py)."""

    __tablename__ = "rollup_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TaskStatusChange(Base):
    """How one task moves the status counts (figures/rollups.py): on each day its status at a date
    changes, +1/-1 to the tasks that exist (its first report), are completed, are overdue, and are
    overdue by more than 30 and more than 90 days (the lateness buckets).
    Maintained with the task and its reports, in the same transaction; the task's owner, plan, area
    and lead agency are copied so the summary of `TaskStatusRollup` can be rebuilt from these rows alone."""

    __tablename__ = "task_status_change"

    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # no foreign key: rows go with the task
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    owner_unit_code: Mapped[str] = mapped_column(String(8), index=True)
    plan: Mapped[str] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(40))
    lead_agency_id: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    late_30: Mapped[int] = mapped_column(Integer)  # overdue by more than 30 days
    late_90: Mapped[int] = mapped_column(Integer)  # overdue by more than 90 days


class TaskStatusRollup(Base):
    """The task status counts maintained at commit (figures/rollups.py): the sum of `TaskStatusChange`
    per owning unit, plan, area, lead agency and day. A group's counts at a date are the sums over the
    days up to it."""

    __tablename__ = "task_status_rollup"

    owner_unit_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    plan: Mapped[str] = mapped_column(String(40), primary_key=True)
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    lead_agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    late_30: Mapped[int] = mapped_column(Integer)
    late_90: Mapped[int] = mapped_column(Integer)


class TaskReportRollup(Base):
    """The task reports the data quality score "correct" counts (figures/data_quality.py), maintained at
    commit with the task summary (figures/rollups.py): per owning unit, plan and day, the reports dated
    that day and how many of them contradict themselves (definitions.contradicts_itself). A group's
    counts up to a date are the sums over the days up to it."""

    __tablename__ = "task_report_rollup"
    # the owners with reports in a month (ingest/approvals.py `unapproved_submissions`) from the index alone
    __table_args__ = (Index("ix_task_report_rollup_day_owner", "day", "owner_unit_code"),)

    owner_unit_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    plan: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer)
    contradicting: Mapped[int] = mapped_column(Integer)


class TaskReportProvinceRollup(Base):
    """`TaskReportRollup` summed per province (the owning unit's; "VN" for the nation's own tasks), plan
    and day: what the national data quality figure reads (a few thousand rows instead of most of the
    owners' rows)."""

    __tablename__ = "task_report_province_rollup"

    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    plan: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer)
    contradicting: Mapped[int] = mapped_column(Integer)


class UploadedReportRows(Base):
    """The rows of uploads that task reports were stored from (the data quality figure's uploaded rows,
    figures/data_quality.py), maintained at commit with the task summary (figures/rollups.py): per owning
    unit, plan and upload, its distinct source rows, and whether reports without a source row were stored
    from it (`unnumbered`: those count as one row per upload and child). A row of an upload's sheet holds
    one report, so one task: an owner's and plan's counts add up."""

    __tablename__ = "uploaded_report_rows"
    # an upload's rows of every owner: recounted after a weekly import (figures/rollups.py)
    __table_args__ = (Index("ix_uploaded_report_rows_upload", "upload_id"),)

    owner_unit_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    plan: Mapped[str] = mapped_column(String(40), primary_key=True)
    upload_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    unnumbered: Mapped[int] = mapped_column(Integer)


class UploadedReportProvinceRows(Base):
    """`UploadedReportRows` summed per province (the owning unit's; "VN" for the nation's own tasks), plan
    and upload (`unnumbered`: whether any of its owners has it): what the national data quality figure
    reads (a few thousand rows instead of every owner's)."""

    __tablename__ = "uploaded_report_province_rows"

    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    plan: Mapped[str] = mapped_column(String(40), primary_key=True)
    upload_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    unnumbered: Mapped[int] = mapped_column(Integer)


class UploadedValueRows(Base):
    """The rows of uploads that indicator values of a unit were stored from (the data quality figure's
    uploaded rows, figures/data_quality.py), maintained at commit with the indicator summary
    (figures/indicator_rollups.py): per unit and upload, its distinct source rows, and whether values
    without a source row were stored from it (`unnumbered`: those count as one row per upload and child)."""

    __tablename__ = "uploaded_value_rows"

    unit_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    upload_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    unnumbered: Mapped[int] = mapped_column(Integer)


class IndicatorRollup(Base):
    """The indicator figures maintained at commit (figures/indicator_rollups.py): per province, indicator
    and day, how the sums over the province's communes change that day, each commune counting with its
    latest value on or before a date: Σ value and the communes reporting (`total`, `reported`), and
    Σ value × population and Σ population over the communes that have both (`weighted`, `weight`,
    `weighed`: how many). A province's partial sums at a date are the sums over the days up to it."""

    __tablename__ = "indicator_rollup"

    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    total: Mapped[float] = mapped_column(Float)
    reported: Mapped[int] = mapped_column(Integer)
    weighted: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    weighed: Mapped[int] = mapped_column(Integer)


class RollupState(Base):
    """Whether a maintained summary is current (figures/rollups.py): database triggers count every
    statement that writes its source tables (`writes`); the code that maintains it sets `maintained`
    to that count in the same transaction. Any other write (a script, a manual fix) leaves them
    unequal, and the figures fall back to their live definition until the summary is rebuilt."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    writes: Mapped[int] = mapped_column(Integer, default=0)
    maintained: Mapped[int] = mapped_column(Integer, default=0)


class ReferenceRevision(Base):
    """How often reference data the figures name was written: row "admin_unit" counts every statement
    (PostgreSQL) or row (SQLite) writing administrative units, by database triggers (migration 0025),
    whatever wrote it. Part of the data version (store/engine.py), so a unit added, renamed or moved
    reaches every cache."""

    __tablename__ = "reference_revision"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class Account(Base):
    """A person who signs in (data_loaders/accounts.py). Lock-out state lives here, not in a
    process, so every app process behind a load balancer agrees on it."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)  # lower-case [a-z0-9._-]
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # viewer | reporter | admin
    # "VN", a province or a commune: what the person reads and (as a reporter) uploads for
    scope_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"))
    agency: Mapped[str | None] = mapped_column(String(AGENCY_NAME_LENGTH))  # a ministry reporter's lead agency
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(5))  # "vi" | "en": what a sign-in opens in


class AuditEntry(Base):
    """Who did what, when (data_loaders/audit.py). Append-only: the application has no update or
    delete path, and on PostgreSQL a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(FILE_NAME_LENGTH))
    outcome: Mapped[str] = mapped_column(String(20))  # ok | refused | failed
    detail: Mapped[dict | None] = mapped_column(JSON)


class SignInSession(Base):
    """A password sign-in that survives a browser refresh (data_loaders/sign_in_sessions.py): the
    browser keeps a random token in a cookie, the database only its SHA-256, so a copy of this table
    signs nobody in. Every app process behind a load balancer resolves the same cookie."""

    __tablename__ = "sign_in_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Direction(Base):
    """A leader's direction (ý kiến chỉ đạo) on a task or a unit (data_loaders/follow_up). Its state —
    open, answered, overdue, closed — is derived from its answers and dates (follow_up/directions.py),
    never stored, so it cannot disagree with them."""

    __tablename__ = "direction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"), index=True)  # a task's: its owner unit
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    addressed_to: Mapped[str | None] = mapped_column(String(OFFICIAL_NAME_LENGTH))  # the official asked, if named
    author: Mapped[str] = mapped_column(String(ACTOR_LENGTH), index=True)  # the author's username
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))


class DirectionAnswer(Base):
    """The responsible unit's answer to a direction. A new status or progress it carries was
    committed through the importer like any report: `upload_id` is that commit (its provenance)."""

    __tablename__ = "direction_answer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction_id: Mapped[int] = mapped_column(ForeignKey("direction.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))


class Evidence(Base):
    """A document attached to an answer: the task's results and products (PDF, Word, Excel, images),
    checked to be what its name claims and kept in the database."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("direction_answer.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(FILE_NAME_LENGTH))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class InboxState(Base):
    """What an account has already been shown: the warnings seen at its last visit of "To do" and
    in its last digest (so both can say what is new), and how often it wants a digest by e-mail."""

    __tablename__ = "inbox_state"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    digest_frequency: Mapped[str] = mapped_column(String(10), default="none")  # none | daily | weekly
    last_visit_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    visit_warning_keys: Mapped[list | None] = mapped_column(JSON)
    last_digest_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    digest_warning_keys: Mapped[list | None] = mapped_column(JSON)


class Annotation(Base):
    """A dated note on an indicator series of a unit ("từ 05/2025 tính cả trạm 5G dùng chung"), shown
    on its trend charts and in decks (data_loaders/follow_up/annotations.py). Removing one keeps the row."""

    __tablename__ = "annotation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"), index=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    on_date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(ANNOTATION_TEXT_LENGTH))
    author: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))


class UploadUndo(Base):
    """What a committed upload overwrote: one row per task, task report or indicator value it
    updated, with the values it had before (its columns and its own upload and Excel row), so the
    upload can be withdrawn and every figure returns exactly to what it was (ingest/withdraw.py).
    Rows an upload inserted carry its id already; they need no entry."""

    __tablename__ = "upload_undo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("upload.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(20))  # task | task_report | indicator_value
    row_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict] = mapped_column(JSON)


APPROVAL_STATES = ("approved", "returned", "unlocked")  # the stored decision; "submitted" is derived
APPROVAL_STEPS = ("approve", "return", "unlock")
APPROVAL_REASON_LENGTH = 1000


class Approval(Base):
    """The approver's current decision on a unit's submission for a reporting period (a month,
    `period` its first day): approved (the unit and month are locked), returned (with the reason the
    clerk sees) or unlocked. A unit and month without a row is submitted (or not submitted) as its data
    says (data_loaders/ingest/approvals.py)."""

    __tablename__ = "approval"
    __table_args__ = (UniqueConstraint("unit_code", "period", name="uq_approval_unit_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"))
    period: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20))  # APPROVAL_STATES
    reason: Mapped[str | None] = mapped_column(Text)  # a return's reason
    decided_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApprovalStep(Base):
    """Every step taken on a submission, oldest first: who approved, returned (why) or unlocked it, and
    when, with what the submission held at that moment. Only ever appended."""

    __tablename__ = "approval_step"
    __table_args__ = (Index("ix_approval_step_unit_period", "unit_code", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"))
    period: Mapped[dt.date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(20))  # APPROVAL_STEPS
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict | None] = mapped_column(JSON)  # the submission's counts when the step was taken


PLAN_NAME_LENGTH = 300
PLAN_SEED_ACTOR = "seed"  # who the migration's national plans are recorded as: rows the reference file holds too


class Plan(Base):
    """A plan of the task catalogue (task.plan holds its code): a national plan of the Steering
    Committee (owner_province_code None) or a province's own programme, seen by that province and
    the nation only (data_loaders/store/plans.py). A retired plan takes no new task; its tasks keep
    it. `revision` numbers the catalogue's changes: adding or retiring a plan sets it to the largest
    plus one, so the data version (store/engine.py) moves and every cached figure is recomputed."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(TASK_CODE_LENGTH), unique=True)
    name_vi: Mapped[str] = mapped_column(String(PLAN_NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(PLAN_NAME_LENGTH))
    owner_province_code: Mapped[str | None] = mapped_column(ForeignKey("admin_unit.code"), index=True)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(Integer, default=0)


class Target(Base):
    """A target of an indicator for a unit (the nation, a province or a commune) at a date, with an
    optional baseline so a path can be drawn from it (data_loaders/figures/targets.py). Rows are never
    deleted: setting a new target or removing one ends the row in force (`ended_at`), so the table is
    the history of every target and who set it. `indicator_code` and `unit_code` carry no foreign key:
    the published national target is seeded by its migration, before the reference data exist; the
    codes are checked when a person sets a target (figures/targets.py `set_target`)."""

    __tablename__ = "target"
    # one target in force per indicator and unit, on both backends (a partial unique index)
    __table_args__ = (Index("uq_target_in_force", "indicator_code", "unit_code", unique=True,
                            sqlite_where=sql_text("ended_at IS NULL"), postgresql_where=sql_text("ended_at IS NULL")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    unit_code: Mapped[str] = mapped_column(String(8))
    target_date: Mapped[dt.date] = mapped_column(Date)
    target_value: Mapped[float] = mapped_column(Float)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))


class LeaderBoard(Base):
    """A unit's leader's page ("Bảng điều hành"): the blocks its administrators chose, in order, each
    `{"kind": …, "options": {…}}` as data_loaders/follow_up/leader_board.py validates them. A unit
    without a row shows the default layout."""

    __tablename__ = "leader_board"

    unit_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"), primary_key=True)
    blocks: Mapped[list] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
