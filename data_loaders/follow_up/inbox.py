""""Việc cần làm / To do": what asks something of an account now, as message keys and links.

- Directions to answer: open or overdue directions on units the account may report for (reporters,
  administrators), most urgent first.
- Answers to read: directions the account wrote that have been answered and not closed.
- New warnings: the early warnings of the account's scope that were not there at its last visit (for
  the page) or in its last digest (for the e-mail); a warning is known by its kind, unit and task or
  indicator (early_warnings.warning_key).
Digests by e-mail (daily or weekly, the account's choice) are sent by `python -m data_loaders digest`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, TypedDict

from sqlalchemy import Engine, insert, select, update

from data_loaders.figures import early_warnings
from data_loaders.figures.scope import latest_data_date
from data_loaders.follow_up import directions
from data_loaders.identity import access
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.store import engine as db
from data_loaders.store.models import Direction, InboxState
from data_loaders.store.settings import get_settings

DIGEST_FREQUENCIES = ("none", "daily", "weekly")
DIGEST_INTERVAL = {"daily": dt.timedelta(hours=20), "weekly": dt.timedelta(days=6, hours=20)}  # cron slack
MAX_ITEMS = 50


class Inbox(TypedDict):
    to_answer: list[directions.DirectionRow]
    answered_for_me: list[directions.DirectionRow]
    new_warnings: list[dict]  # warnings as early_warnings gives them
    warning_keys: list[str]  # every current warning's key (stored as "seen" when shown)
    as_of: str


def _state(conn, account_id: int):
    return conn.execute(select(InboxState.__table__).where(InboxState.account_id == account_id)).first()


def _save_state(conn, account_id: int, **values) -> None:
    if _state(conn, account_id) is None:
        conn.execute(insert(InboxState).values(**{"account_id": account_id, "digest_frequency": "none", **values}))
    else:
        conn.execute(update(InboxState).where(InboxState.account_id == account_id).values(**values))


def inbox(account: Account, today: dt.date, *, since: str = "visit", engine: Engine | None = None,
          read: Callable[..., Any] | None = None) -> Inbox:
    """The account's to-do list today; `since` is "visit" (the page) or "digest" (the e-mail).
    `read(figure, *args)` reads a figure of the metric layer (the page passes its cached reader, so a
    visit does not recompute them); by default they are computed. The warnings: their keys, then only
    what the new ones need — the head of the summary when they are all in it, else the whole list."""
    engine = engine or db.get_engine()
    if account is None or account.disabled:
        raise AccountError("not_permitted")
    scope = access.viewable_scope(account)
    to_answer: list[directions.DirectionRow] = []
    if access.may(account, "upload"):
        upload_unit = access.upload_scope(account).unit_code
        to_answer = [row for row in directions.list_directions(account, upload_unit, today,
                                                               states=("overdue", "open"), engine=engine)
                     if directions.may_answer(account, row["unit_code"], row["task_agency"])]
    with engine.connect() as conn:
        mine = {row.id for row in conn.execute(select(Direction.id).where(Direction.author == account.username))}
        state = _state(conn, account.id)
    answered_for_me = [row for row in directions.list_directions(account, scope, today, states=("answered",),
                                                                 engine=engine) if row["id"] in mine] if mine else []
    as_of = latest_data_date(engine) or today
    read = read or (lambda figure, *args: figure(*args, engine=engine))
    settings = get_settings(engine)
    keys = read(early_warnings.warning_keys, scope, as_of, settings)
    seen_keys = (state.visit_warning_keys if since == "visit" else state.digest_warning_keys) if state else None
    seen = set(seen_keys or [])
    new = [position for position, key in enumerate(keys) if key not in seen][:MAX_ITEMS]
    listed: list[dict] = []
    if new and new[-1] < early_warnings.HEAD:  # a first visit, or only the most urgent are new
        listed = read(early_warnings.warnings_summary, scope, as_of, settings, early_warnings.HEAD)["warnings"]
    elif new:  # new warnings further down the list
        listed = read(early_warnings.warnings, scope, as_of, settings)["warnings"]
    return Inbox(to_answer=to_answer[:MAX_ITEMS], answered_for_me=answered_for_me[:MAX_ITEMS],
                 new_warnings=[listed[position] for position in new], warning_keys=keys, as_of=as_of.isoformat())


def mark_visited(account: Account, warning_keys: list[str], *, engine: Engine | None = None,
                 now: dt.datetime | None = None) -> None:
    """The page was shown: its warnings are no longer new at the next visit."""
    engine = engine or db.get_engine()
    with engine.begin() as conn:
        _save_state(conn, account.id, last_visit_at=now or dt.datetime.now(dt.timezone.utc),
                    visit_warning_keys=sorted(set(warning_keys)))


def mark_digested(account: Account, warning_keys: list[str], *, engine: Engine, now: dt.datetime) -> None:
    with engine.begin() as conn:
        _save_state(conn, account.id, last_digest_at=now, digest_warning_keys=sorted(set(warning_keys)))


def digest_frequency(account: Account, *, engine: Engine | None = None) -> str:
    engine = engine or db.get_engine()
    with engine.connect() as conn:
        state = _state(conn, account.id)
    return state.digest_frequency if state else "none"


def set_digest_frequency(account: Account, frequency: str, *, engine: Engine | None = None) -> None:
    """The account's own choice (none, daily or weekly); it needs an e-mail address for anything but none."""
    if frequency not in DIGEST_FREQUENCIES:
        raise AccountError("digest_unknown_frequency")
    if frequency != "none" and not account.email:
        raise AccountError("digest_needs_email")
    engine = engine or db.get_engine()
    with engine.begin() as conn:
        _save_state(conn, account.id, digest_frequency=frequency)


def digest_due(engine: Engine, now: dt.datetime) -> list[tuple[int, str]]:
    """(account id, frequency) of every enabled account with an e-mail whose digest is due."""
    from data_loaders.store.models import Account as AccountRow

    query = (select(InboxState.account_id, InboxState.digest_frequency, InboxState.last_digest_at)
             .join(AccountRow, AccountRow.id == InboxState.account_id)
             .where(InboxState.digest_frequency.in_(tuple(DIGEST_INTERVAL)), AccountRow.disabled.is_(False),
                    AccountRow.email.is_not(None)))
    due = []
    with engine.connect() as conn:
        for account_id, frequency, last in conn.execute(query):
            last = last.replace(tzinfo=dt.timezone.utc) if last is not None and last.tzinfo is None else last
            if last is None or now - last >= DIGEST_INTERVAL[frequency]:
                due.append((account_id, frequency))
    return due
