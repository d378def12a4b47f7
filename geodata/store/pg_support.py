"""What the PostGIS store needs besides SQL: URLs without their passwords, rows as JSON, bounded lock waits."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from ..core.report import GeodataError
from .locks import lock_timeout, say_waiting

__all__ = ["advisory_lock", "json_rows", "message_of", "password_of", "redact", "table_lock"]


def redact(url: str) -> str:
    """The URL without its password (``postgresql://user@host:5432/db``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    query = parts.query
    # A password may be in the query too (postgresql://u@h/db?password=...), as libpq allows.
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k.lower() == "password" for k, _ in pairs):
        query = urlencode([(k, "***" if k.lower() == "password" else v) for k, v in pairs], safe="*")
    if parts.password is None and query == parts.query:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}@{host}" if user else host, parts.path, query, parts.fragment))


def password_of(url: str) -> str | None:
    """The password in ``url`` (in its user part or its query), to be kept out of every message."""
    parts = urlsplit(url)
    if parts.password:
        return parts.password
    found = [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() == "password" and v]
    return found[0] if found else None


def message_of(exc: BaseException, url: str, secret: str | None) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if secret:
        text = text.replace(secret, "***")
    return text


def json_rows(frame: pd.DataFrame) -> list[str]:
    """Each row of a small table as a JSON object (NaN as null, numbers kept as numbers)."""
    def plain(v):  # numpy scalars as Python numbers, anything else as text
        return v.item() if hasattr(v, "item") else str(v)

    # A NUL character is written as U+FFFD: jsonb (and text) cannot hold it, and a rejected row is the
    # source's own, NULs and all (the rejects file beside it keeps the row as it was).
    def no_nul(v):
        return v.replace("\x00", "\ufffd") if isinstance(v, str) else v

    frame = frame.astype(object).where(frame.notna(), None)
    return [json.dumps({no_nul(str(k)): no_nul(v) for k, v in r.items()}, ensure_ascii=False, allow_nan=False,
                       default=plain) for r in frame.to_dict("records")]


def _wait(conn, errors, where: str, sql: str, params, what: str) -> None:
    bound = lock_timeout()
    say_waiting(where, bound)
    conn.execute(f"SET LOCAL lock_timeout = '{int(bound * 1000)}ms'")
    try:
        conn.execute(sql, params)
    except errors.LockNotAvailable:
        raise GeodataError(f"{where}: {what} for {bound:g} s; nothing was written (try again later, or set "
                           "GEODATA_LOCK_TIMEOUT to wait longer)") from None
    conn.execute("SET LOCAL lock_timeout = 0")


def table_lock(conn, errors, where: str, table: str) -> None:
    """``LOCK TABLE table IN EXCLUSIVE MODE`` in ``conn``'s transaction: at once if free; else one line on
    stderr and a wait of at most :func:`~geodata.store.locks.lock_timeout` seconds, then a
    :class:`GeodataError`.  Only a role with UPDATE on the table may take it (unlike an advisory lock)."""
    conn.execute("SAVEPOINT lock_try")
    try:
        conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE NOWAIT")
        conn.execute("RELEASE SAVEPOINT lock_try")
        return
    except errors.LockNotAvailable:
        conn.execute("ROLLBACK TO SAVEPOINT lock_try")
    _wait(conn, errors, where, f"LOCK TABLE {table} IN EXCLUSIVE MODE", None, "another import held the store")


def advisory_lock(conn, errors, where: str, key: int) -> None:
    """``pg_advisory_xact_lock(key)``, waited for as :func:`table_lock` waits."""
    if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (key,)).fetchone()[0]:
        _wait(conn, errors, where, "SELECT pg_advisory_xact_lock(%s)", (key,),
              "another session held the migration lock")
