"""`python -m data_loaders status`: how fresh the data the views show is.

Prints the data version (the id of the latest imported upload, which every app process keys its
figures on) and when that upload was imported. With `DATABASE_READ_URL` set (a streaming replica the
views read from), also the replica's own data version and its replication lag: how many imported
uploads it does not show yet, the bytes of changes it has not replayed and PostgreSQL's replay lag
in seconds. Exit 0; 1 when the replica cannot be reached or is not
a standby of the primary. Like every command it imports the database libraries only when it runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _version_and_time(engine: Engine) -> tuple[int, Any]:
    from sqlalchemy import select

    from data_loaders.store.models import Upload

    with engine.connect() as conn:
        row = conn.execute(select(Upload.id, Upload.uploaded_at).where(Upload.status == "imported")
                           .order_by(Upload.id.desc()).limit(1)).first()
    return (row.id, row.uploaded_at) if row else (0, None)


def replica_lag(primary: Engine, replica: Engine) -> dict:
    """The replica's data version and lag behind `primary`: standby (is it a streaming replica),
    data_version, lag_bytes (WAL the primary wrote that the replica has not replayed), lag_seconds
    (PostgreSQL's own replay lag of the replica's slot, 0 when it has nothing left to replay; without
    a slot, the seconds since it last replayed a transaction) and uploads_behind (imported uploads
    the views cannot show yet: the freshness a reader cares about)."""
    from sqlalchemy import func, select, text

    from data_loaders.store.models import Upload

    version, _ = _version_and_time(replica)
    result: dict[str, Any] = {"standby": False, "data_version": version, "lag_bytes": None, "lag_seconds": None}
    if replica.dialect.name == "postgresql" and primary.dialect.name == "postgresql":
        with replica.connect() as conn:
            standby, replayed, since_replay, slot = conn.execute(text(
                "select pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
                " extract(epoch from now() - pg_last_xact_replay_timestamp())::float,"
                " (select slot_name from pg_stat_wal_receiver limit 1)")).one()
        if standby and replayed is not None:
            with primary.connect() as conn:
                lag_bytes = conn.execute(text("select pg_wal_lsn_diff(pg_current_wal_lsn(), cast(:lsn as pg_lsn))"),
                                         {"lsn": replayed}).scalar_one()
                replay_lag = conn.execute(text(
                    "select extract(epoch from coalesce(r.replay_lag, interval '0'))::float"
                    " from pg_stat_replication r join pg_replication_slots s on s.active_pid = r.pid"
                    " where s.slot_name = :slot"), {"slot": slot}).scalar() if slot else None
            lag_bytes = max(0, int(lag_bytes))
            seconds = replay_lag if replay_lag is not None else (0.0 if lag_bytes == 0 else since_replay or 0.0)
            result.update(standby=True, lag_bytes=lag_bytes, lag_seconds=round(max(0.0, seconds), 2))
    with primary.connect() as conn:
        result["uploads_behind"] = conn.execute(select(func.count()).select_from(Upload).where(
            Upload.status == "imported", Upload.id > version)).scalar_one()
    return result


def freshness(primary: Engine, replica: Engine | None) -> dict:
    """What `status --json` prints: the primary's data version and, with a replica, its lag."""
    version, at = _version_and_time(primary)
    report: dict[str, Any] = {"data_version": version, "latest_upload_at": at.isoformat() if at else None,
                              "read": None}
    if replica is not None:
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            report["read"] = replica_lag(primary, replica)
        except (OperationalError, InterfaceError) as error:
            report["read"] = {"error": type(error.orig).__name__ if error.orig else type(error).__name__}
    return report


def cmd_status(args: argparse.Namespace) -> int:
    from data_loaders.cli.main import _lang, _print_json
    from data_loaders.i18n import format_number, t
    from data_loaders.seed import bootstrap
    from data_loaders.store import engine as db

    primary = bootstrap.prepare()
    replica = db.read_engine_for(primary) if db.read_database_url() else None
    report = freshness(primary, replica)
    read = report["read"]
    healthy = read is None or (read.get("standby", False) and "error" not in read)
    if args.json:
        _print_json(report)
        return 0 if healthy else 1
    lang = _lang()
    if report["data_version"]:
        print(t("deploy_status_data_version", lang, version=report["data_version"],
                at=report["latest_upload_at"][:19].replace("T", " ")))
    else:
        print(t("deploy_status_no_data", lang))
    if read is None:
        print(t("deploy_status_no_read_url", lang))
    elif "error" in read:
        print(t("deploy_status_replica_unreachable", lang, detail=read["error"]))
    elif not read["standby"]:
        print(t("deploy_status_replica_not_standby", lang, version=read["data_version"]))
    else:
        key = "deploy_status_replica_behind" if read["uploads_behind"] else "deploy_status_replica_caught_up"
        print(t(key, lang, version=read["data_version"], count=read["uploads_behind"],
                bytes=format_number(read["lag_bytes"], lang), seconds=format_number(read["lag_seconds"], lang, 2)))
    return 0 if healthy else 1


def add_status_command(commands: argparse._SubParsersAction) -> None:
    status = commands.add_parser("status", help="the data version and, with DATABASE_READ_URL, the read "
                                 "replica's replication lag (data freshness)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)
