"""The SQL statements an engine issues, for tests that check how a figure reads (not only what it returns)."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

from sqlalchemy import Engine, event


@contextlib.contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    """The statements `engine` issues inside, in their order."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_reading(engine: Engine, table: str, run: Callable[[], object]) -> int:
    """How many statements naming `table` ("" for any) `run()` issues on `engine`."""
    with recorded_statements(engine) as statements:
        run()
    return sum(1 for statement in statements if table in statement)
