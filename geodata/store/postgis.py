"""The shared store: PostgreSQL with PostGIS, for many contributors and many viewers.

Chosen by a ``postgresql://user@host:port/db`` URL (``--store``, ``ICE_MAP_STORE``).
Credentials come from the URL, a ``PGPASSFILE`` or the ``PG*`` environment
variables, as libpq reads them; a password is never written to a log or a message
(:func:`redact`).

Tables (created and migrated by ``geodata init --store URL``, see :data:`MIGRATIONS`):

* ``incidents``: one row per record, the schema's columns typed (``date_start`` and
  ``date_end`` are dates), ``geom geometry(Point, 4326)`` with a GiST index, the
  dates, category and facility indexed, ``url_keys text[]`` (the normalised source
  URLs deduplication compares) with a GIN index, and ``incidents_view_idx``: the records' days as a
  ``daterange`` (GiST) holding the map's columns (:data:`geodata.store.VIEW_COLUMNS`) too, so the map's
  view of any dates is an index-only scan;
* ``facilities`` (a few hundred rows: ``id``, ``aor``, ``geom`` typed and indexed, every
  column in ``props``), ``facility_population`` (facility x month), ``build_report``;
* ``import_log``: who imported which file when, its counts and its rejects;
* ``store_state``: the generation, one more for each write (readers keep the facilities until it moves);
* ``schema_migrations``: the versions applied.

Filters are SQL: :meth:`PostgisStore.incidents` sends the view's dates, categories,
AORs and bounding box as parameters (never as text built into the statement) and
only those rows (and the columns asked for) leave the database, streamed with ``COPY ... TO STDOUT``
into Arrow.

Nothing lost, nothing half-done: an import is one transaction (:meth:`writing`)
that takes an advisory lock first, so two imports at once run one after the other
and each counts against what the other stored; a killed import is rolled back by
the server. Re-importing is idempotent: records are upserted by their stable id.

Roles: ``geodata init`` creates two group roles where it may (``geodata_reader``:
SELECT only; ``geodata_importer``: writes incidents and the import log); grant them
to login roles (``GRANT geodata_reader TO map_app``). A store opened read-only
(the app) also sets ``default_transaction_read_only``, so it cannot write even if asked.
"""

from __future__ import annotations

import contextlib
import io
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import shapely

from ..core.report import GeodataError
from ..core.schema import CRS, FACILITY_COLUMNS, INCIDENT_COLUMNS
from .base import STORE_COLUMNS, VIEW_COLUMNS, Query, Store
from .parquet import arrow_frame, url_keys
from .pg_support import advisory_lock, json_rows, message_of, password_of, redact, table_lock
from .pool import shared_pool

__all__ = ["PostgisStore", "MIGRATIONS", "redact", "READER_ROLE", "IMPORTER_ROLE"]

READER_ROLE = "geodata_reader"
IMPORTER_ROLE = "geodata_importer"
#: Key of the advisory lock every writer takes (any constant; "ICEMAP" in ASCII).
LOCK_KEY = 0x4943454D4150
_DATE_COLUMNS = ("date_start", "date_end")
#: A record's days as a range (``least``/``greatest``: a range is never reversed, and so never an error),
#: the key of ``incidents_view_idx``; it holds :data:`VIEW_COLUMNS` too, so a view that asks for those
#: alone is answered from the index (an index-only scan), not from the table's full rows.
_SPAN = "daterange(least(date_start, date_end), greatest(date_start, date_end), '[]')"

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "incidents, facilities, facility population, build report, import log", """
CREATE TABLE incidents (
    id text PRIMARY KEY,
    category text NOT NULL,
    title text NOT NULL,
    date text NOT NULL,
    date_precision text NOT NULL,
    date_start date NOT NULL,
    date_end date NOT NULL,
    place text, city text, state text, facility_id text, location_precision text, location_method text,
    description text, source_name text, source_urls text NOT NULL, verification text,
    person text, canonical_id text, review text,
    url_keys text[] NOT NULL DEFAULT '{}',
    geom geometry(Point, 4326)
);
CREATE INDEX incidents_dates_idx ON incidents (date_start, date_end);
CREATE INDEX incidents_category_idx ON incidents (category);
CREATE INDEX incidents_facility_idx ON incidents (facility_id);
CREATE INDEX incidents_canonical_idx ON incidents (canonical_id);
CREATE INDEX incidents_geom_idx ON incidents USING gist (geom);
CREATE INDEX incidents_url_keys_idx ON incidents USING gin (url_keys) WITH (fastupdate = off);

CREATE TABLE facilities (
    position integer NOT NULL,
    id text PRIMARY KEY,
    aor text,
    geom geometry(Point, 4326),
    props json NOT NULL
);
CREATE INDEX facilities_aor_idx ON facilities (aor);
CREATE INDEX facilities_geom_idx ON facilities USING gist (geom);

CREATE TABLE facility_population (
    position integer PRIMARY KEY,
    props json NOT NULL
);

CREATE TABLE build_report (
    position integer PRIMARY KEY,
    props json NOT NULL
);

CREATE TABLE import_log (
    id bigserial PRIMARY KEY,
    file text NOT NULL,
    imported_by text NOT NULL DEFAULT current_user,
    imported_at timestamptz NOT NULL DEFAULT now(),
    rows integer NOT NULL,
    new integer NOT NULL, updated integer NOT NULL, unchanged integer NOT NULL,
    merged integer NOT NULL, rejected integer NOT NULL,
    rejects jsonb
);
"""),
    (2, "reader and importer roles", f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
            CREATE ROLE {READER_ROLE} NOLOGIN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{IMPORTER_ROLE}') THEN
            CREATE ROLE {IMPORTER_ROLE} NOLOGIN;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO {READER_ROLE}', current_schema());
        GRANT SELECT ON incidents, facilities, facility_population, build_report, import_log,
            schema_migrations TO {READER_ROLE};
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{IMPORTER_ROLE}') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO {IMPORTER_ROLE}', current_schema());
        GRANT SELECT ON incidents, facilities, facility_population, build_report, import_log,
            schema_migrations TO {IMPORTER_ROLE};
        GRANT INSERT, UPDATE ON incidents TO {IMPORTER_ROLE};
        GRANT INSERT ON import_log TO {IMPORTER_ROLE};
        GRANT USAGE ON SEQUENCE import_log_id_seq TO {IMPORTER_ROLE};
    END IF;
END
$$;
"""),
    (3, "the map's columns in an index of date spans", f"""
CREATE INDEX incidents_view_idx ON incidents USING gist ({_SPAN})
    INCLUDE (id, category, date_precision, date_start, date_end, state, facility_id, location_precision, geom);
"""),
    (4, "a generation counter, one more for each write", f"""
CREATE TABLE store_state (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint NOT NULL DEFAULT 0
);
INSERT INTO store_state DEFAULT VALUES;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
        GRANT SELECT ON store_state TO {READER_ROLE};
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{IMPORTER_ROLE}') THEN
        GRANT SELECT, UPDATE ON store_state TO {IMPORTER_ROLE};
    END IF;
END
$$;
"""),
    (5, "which file each source key came from; the importers' lock as a table; the log's rejects not for readers",
     f"""
CREATE TABLE import_sources (
    key text PRIMARY KEY,
    origin text NOT NULL,
    first_imported timestamptz NOT NULL DEFAULT now()
);
-- A table lock, not an advisory lock: any role may take an advisory lock (and so block every import),
-- but LOCK TABLE ... IN EXCLUSIVE MODE needs UPDATE on the table, which only importers have.
CREATE TABLE import_lock (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row));
INSERT INTO import_lock DEFAULT VALUES;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
        -- The rejected rows are the source's own, addresses and all: readers see the counts only.
        REVOKE SELECT ON import_log FROM {READER_ROLE};
        GRANT SELECT (id, file, imported_by, imported_at, rows, new, updated, unchanged, merged, rejected)
            ON import_log TO {READER_ROLE};
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{IMPORTER_ROLE}') THEN
        GRANT SELECT, INSERT ON import_sources TO {IMPORTER_ROLE};
        GRANT SELECT, UPDATE ON import_lock TO {IMPORTER_ROLE};
    END IF;
END
$$;
"""),
)


def _na(series: pd.Series) -> list:
    """Values for the database: missing (None, NaN, pd.NA) is NULL."""
    s = pd.Series(series, copy=False).astype(object)
    return s.where(s.notna(), None).tolist()


def _url_keys(source_urls: pd.Series) -> list[list[str]]:
    return [k.split() if isinstance(k, str) and k else [] for k in url_keys(source_urls).tolist()]


class PostgisStore(Store):
    """The store in the PostgreSQL database at ``url`` (see the module docstring)."""

    def __init__(self, url: str, *, create: bool = False, read_only: bool = False):
        try:
            import psycopg  # optional (the postgis extra), so imported only when a PostGIS store is opened
        except ImportError:
            raise GeodataError("a postgresql:// store needs psycopg 3 (pip install 'psycopg[binary]')") from None
        self._psycopg = psycopg
        self._dsn = url
        try:
            self._secret = password_of(url)
            urlsplit(url).port  # noqa: B018 - a bad port or host raises here, not deep in psycopg
        except ValueError as exc:
            raise GeodataError(f"{redact(url)}: not a valid postgresql:// URL ({exc})") from None
        self.url = redact(url)
        self.read_only = read_only
        self._tx = None
        self._cache: dict = {}
        #: The migrations this process applied (``geodata init`` reports them).
        self.last_migrations: list[int] = []
        if create:
            self.last_migrations = self.migrate()
        else:
            with self._connection() as conn:
                version = self._version(conn)
            if version == 0:
                raise GeodataError(f"{self.url} holds no store; make one with `geodata init --store URL`")
            if version > MIGRATIONS[-1][0]:
                raise GeodataError(f"{self.url}: written by a newer version (schema {version}, this one "
                                   f"knows {MIGRATIONS[-1][0]})")

    # -- connections -------------------------------------------------------------------
    @contextlib.contextmanager
    def _connection(self):
        """The import's transaction inside :meth:`writing`; else a connection from the process's pool,
        committed at the end (rolled back on an error) and handed back."""
        if self._tx is not None:
            yield self._tx
            return
        psycopg = self._psycopg
        kwargs = {"connect_timeout": 10, "application_name": "geodata"}
        if self.read_only:
            kwargs["options"] = "-c default_transaction_read_only=on"

        def probe():
            try:
                psycopg.connect(self._dsn, **kwargs).close()
            except psycopg.Error as exc:
                raise GeodataError(f"cannot connect to {self.url}: {message_of(exc, self.url, self._secret)}") from None

        # One pool per process (geodata/store/pool.py): a rerun borrows a connection, it does not open one.
        pool = shared_pool(self._dsn, kwargs, probe)
        try:
            with pool.connection() as conn:
                yield conn
        except psycopg.errors.InsufficientPrivilege as exc:
            raise GeodataError(f"{self.url}: not allowed: {message_of(exc, self.url, self._secret)}") from None
        except psycopg.errors.ReadOnlySqlTransaction:
            raise GeodataError(f"{self.url}: this store is open read-only") from None
        except psycopg.errors.UndefinedTable as exc:
            raise GeodataError(f"{self.url} holds no store or an older one ({message_of(exc, self.url, None)}); "
                               "run `geodata init --store URL`") from None
        except psycopg.Error as exc:
            raise GeodataError(f"{self.url}: {message_of(exc, self.url, self._secret)}") from None

    def _version(self, conn) -> int:
        exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
        if not exists:
            return 0
        return int(conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0])

    def migrate(self) -> list[int]:
        """Apply the migrations this database lacks, in order, in one transaction; return their versions."""
        if self.read_only:
            raise GeodataError(f"{self.url}: this store is open read-only")
        applied = []
        with self._connection() as conn:
            # Migrations run before the importers' lock table exists: an advisory lock, waited for with a
            # bound (any role can take one, so an endless wait would be anyone's to cause).
            advisory_lock(conn, self._psycopg.errors, self.url, LOCK_KEY)
            ok = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone()[0]
            if not ok:
                try:
                    with conn.transaction():
                        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except self._psycopg.Error as exc:
                    raise GeodataError(f"{self.url}: PostGIS is not installed in this database and cannot be "
                                       f"added ({message_of(exc, self.url, self._secret)}); "
                                       "run CREATE EXTENSION postgis as its owner") from None
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                         "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            current = self._version(conn)
            for version, description, sql in MIGRATIONS:
                if version <= current:
                    continue
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations (version, description) VALUES (%s, %s)",
                             (version, description))
                applied.append(version)
        return applied

    # -- reading -----------------------------------------------------------------------
    def metadata(self) -> dict:
        """Also ``generation``: one more after each write (the app's caches are keyed by it)."""
        with self._connection() as conn:
            version = self._version(conn)
            n, lo, hi = conn.execute("SELECT count(*), min(date_start)::text, max(date_end)::text FROM incidents"
                                     ).fetchone()
            generation = self._generation(conn)
        return {"schema_version": version, "backend": "postgis", "incidents": int(n),
                "date_span": (lo, hi) if n else None, "generation": generation}

    def generation(self) -> int:
        with self._connection() as conn:
            return self._generation(conn)

    @staticmethod
    def _generation(conn) -> int:
        return int(conn.execute("SELECT generation FROM store_state").fetchone()[0])

    def _cached(self, key: str, load):
        """``load(conn)``, kept until the store's generation changes: the facilities and their population
        (a few thousand rows) are read once per write, not once per view."""
        with self._connection() as conn:
            generation = self._generation(conn)  # read first: a write after it makes the copy kept stale
            hit = self._cache.get(key)
            if hit is not None and hit[0] == generation:
                return hit[1].copy()
            value = load(conn)
        if self._tx is None:  # inside an import's transaction the value may yet be rolled back
            self._cache[key] = (generation, value)
        return value.copy()

    def _props_table(self, table: str) -> pd.DataFrame:
        def load(conn):
            # One JSON text for the whole table, parsed by orjson: a third of the time of a row per object.
            text = conn.execute(f"SELECT coalesce(json_agg(props ORDER BY position), '[]')::text FROM {table}"
                                ).fetchone()[0]  # table: a constant
            return pd.DataFrame(orjson.loads(text))

        return self._cached(table, load)

    def facilities(self) -> gpd.GeoDataFrame:
        return self._cached("facilities", self._load_facilities)

    def best_population(self, data, compute):
        # Computed from the facilities' tables, which change only with the generation.
        return self._cached("best_population", lambda conn: compute(data))

    @staticmethod
    def _load_facilities(conn) -> gpd.GeoDataFrame:
        text, x, y = conn.execute(
            "SELECT coalesce(json_agg(props ORDER BY position), '[]')::text, "
            "array_agg(ST_X(geom) ORDER BY position), array_agg(ST_Y(geom) ORDER BY position) FROM facilities"
        ).fetchone()
        props = pd.DataFrame(orjson.loads(text))
        if props.empty:
            return gpd.GeoDataFrame(pd.DataFrame(columns=list(FACILITY_COLUMNS)), geometry=[], crs=CRS)
        x = np.array([np.nan if v is None else v for v in x], dtype=float)
        y = np.array([np.nan if v is None else v for v in y], dtype=float)
        geoms = shapely.points(x, y)
        geoms[np.isnan(x) | np.isnan(y)] = None
        return gpd.GeoDataFrame(props, geometry=list(geoms), crs=CRS)

    def population(self):
        pop = self._props_table("facility_population")
        return None if pop.empty else pop

    def report(self):
        return self._props_table("build_report")

    def _where(self, q: Query | None, *, span: bool = False) -> tuple[str, dict]:
        """The ``WHERE`` clause of ``q``; ``span``: also in terms of ``incidents_view_idx``'s key (the two
        date comparisons are the rule; that clause lets the index find their rows)."""
        clauses, params = [], {}
        if q is not None:
            if span and (q.start or q.end):
                clauses.append(f"{_SPAN} && daterange(%(start)s::date, %(end)s::date, '[]')")
                params.update(start=q.start, end=q.end)
            if q.start:
                clauses.append("date_end >= %(start)s")
                params["start"] = q.start
            if q.end:
                clauses.append("date_start <= %(end)s")
                params["end"] = q.end
            if q.categories is not None:
                clauses.append("category = ANY(%(categories)s)")
                params["categories"] = list(q.categories)
            if q.aors:
                clauses.append("facility_id IN (SELECT id FROM facilities WHERE aor = ANY(%(aors)s))")
                params["aors"] = list(q.aors)
            if q.bbox is not None:
                clauses.append("geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)")
                params.update(zip("wsen", (float(v) for v in q.bbox)))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _select(self, columns) -> str:
        cols = []
        for c in columns:
            if c not in STORE_COLUMNS:
                raise GeodataError(f"unknown incident column {c!r}")
            cols.append(f"to_char({c}, 'YYYY-MM-DD') AS {c}" if c in _DATE_COLUMNS else c)
        return ", ".join([*cols, "ST_X(geom) AS lon", "ST_Y(geom) AS lat"])

    def _copy_out(self, sql: str, params: dict, columns) -> pa.Table:
        buf = io.BytesIO()
        with self._connection() as conn:
            with conn.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", params) as copy:
                for block in copy:
                    buf.write(block)
        names = [*columns, "lon", "lat"]
        types = {c: pa.string() for c in columns} | {"lon": pa.float64(), "lat": pa.float64()}
        if buf.tell() == 0:
            return pa.table({c: pa.array([], types[c]) for c in names})
        buf.seek(0)
        return pcsv.read_csv(
            buf,
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            # NULL is written unquoted and empty, an empty string quoted: keep them apart.
            convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                quoted_strings_can_be_null=False, null_values=[""]),
            read_options=pcsv.ReadOptions(block_size=16 << 20),
        )

    def _incident_sql(self, query: Query | None, columns) -> tuple[str, dict]:
        # Only where the index holds every column asked for (an index-only scan): for whole records the
        # table is read anyway, and a scan of it in order beats fetching its rows one by one from the index
        # (1.8 s against 0.9 s for 83,054 of 10⁶ rows, on a loaded machine).
        where, params = self._where(query, span=set(columns) <= set(VIEW_COLUMNS))
        return f"SELECT {self._select(columns)} FROM incidents{where}", params

    def incident_table(self, query: Query | None = None, *, columns=None) -> pa.Table:
        """The incidents that fit ``query``, as an Arrow table (``columns``, then lon/lat), by day then id.

        ``lon``/``lat`` among ``columns`` are taken as the point's, as the folder store takes them."""
        columns = [c for c in columns if c not in ("lon", "lat")] if columns is not None else list(INCIDENT_COLUMNS)
        sort = [c for c in ("date_start", "id") if c not in columns]
        table = self._copy_out(*self._incident_sql(query, [*columns, *sort]), [*columns, *sort])
        # Sorted here, not by the server (whose sort of a large view spills to disk): the same order as the
        # folder store's, whatever the database's collation.
        order = pc.sort_indices(table, sort_keys=[("date_start", "ascending"), ("id", "ascending")])
        return table.take(order).drop_columns(sort)

    def incidents(self, query: Query | None = None, *, columns=None) -> gpd.GeoDataFrame:
        columns = list(columns) if columns is not None else list(INCIDENT_COLUMNS)
        return arrow_frame(self.incident_table(query, columns=columns), columns)

    def candidates(self, *, ids=(), day_keys=(), canonical_ids=(), url_keys=()) -> gpd.GeoDataFrame:
        days = sorted({f"{d}|{s or ''}" for d, s in day_keys})
        params = {
            "ids": sorted(set(ids)), "canon": sorted(set(canonical_ids)), "urls": sorted(set(url_keys) - {""}),
            "dates": sorted({d for d, _ in day_keys}), "days": days,
        }
        # One index per way of being a candidate (a UNION, not an OR the planner would answer with a
        # scan of the whole table): the primary key, the event key, the GIN index of source URLs, the dates.
        sql = (f"SELECT {self._select(STORE_COLUMNS)} FROM incidents WHERE id IN ("
               "SELECT id FROM incidents WHERE id = ANY(%(ids)s::text[]) "
               "UNION SELECT id FROM incidents WHERE canonical_id = ANY(%(canon)s::text[]) "
               # One GIN look-up per URL: an overlap with the whole list would be a scan of every row.
               "UNION SELECT i.id FROM unnest(%(urls)s::text[]) AS u(k) "
               "  CROSS JOIN LATERAL (SELECT id FROM incidents WHERE url_keys @> ARRAY[u.k]) AS i "
               "UNION SELECT id FROM incidents WHERE date_start = ANY(%(dates)s::date[]) AND date_precision = 'day' "
               "  AND (to_char(date_start, 'YYYY-MM-DD') || '|' || coalesce(state, '')) = ANY(%(days)s::text[])"
               ") ORDER BY id")
        return arrow_frame(self._copy_out(sql, params, list(STORE_COLUMNS)), STORE_COLUMNS)

    # -- writing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(self):
        """One transaction for a whole import: the advisory lock first (other writers wait), then the
        reads and writes of the import, committed together at the end or not at all."""
        if self.read_only:
            raise GeodataError(f"{self.url}: this store is open read-only")
        if self._tx is not None:
            yield
            return
        with self._connection() as conn:
            self._lock(conn)
            self._tx = conn
            try:
                yield
            finally:
                self._tx = None

    def _lock(self, conn) -> None:
        """The importers' lock: a table lock only importers may take (:func:`~geodata.store.pg_support.table_lock`)."""
        table_lock(conn, self._psycopg.errors, self.url, "import_lock")

    def source_origins(self) -> dict[str, str]:
        with self._connection() as conn:
            if not conn.execute("SELECT to_regclass('import_sources') IS NOT NULL").fetchone()[0]:
                return {}
            return dict(conn.execute("SELECT key, origin FROM import_sources").fetchall())

    def record_sources(self, origins: dict[str, str]) -> None:
        if self.read_only or not origins:
            return
        with self._connection() as conn:
            for key, origin in origins.items():
                conn.execute("INSERT INTO import_sources (key, origin) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                             (key, origin))

    def _copy_incidents(self, conn, batch: gpd.GeoDataFrame, table: str) -> None:
        geoms = np.asarray(batch.geometry.array, dtype=object)
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        ewkt = [None if (np.isnan(a) or np.isnan(b)) else f"SRID=4326;POINT({float(a)!r} {float(b)!r})"
                for a, b in zip(x, y)]
        columns = [*STORE_COLUMNS, "url_keys", "geom"]
        values = [(_na(batch[c]) if c in batch.columns else [None] * len(batch)) for c in STORE_COLUMNS]
        values.append(_url_keys(batch["source_urls"]))
        values.append(ewkt)
        with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in zip(*values):
                copy.write_row(row)

    def write_incidents(self, batch: gpd.GeoDataFrame, *, locked: bool = False) -> int:
        """Insert or replace (by id) the records of ``batch``, in the import's transaction."""
        if self.read_only:
            raise GeodataError(f"{self.url}: this store is open read-only")
        if len(batch) == 0:
            return 0
        if batch["id"].duplicated().any():
            raise GeodataError("write_incidents: the batch holds the same id twice")
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*STORE_COLUMNS[1:], "url_keys", "geom"))
        with self.writing(), self._connection() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS incoming (LIKE incidents) ON COMMIT DROP")
            conn.execute("TRUNCATE incoming")
            self._copy_incidents(conn, batch, "incoming")
            conn.execute(f"INSERT INTO incidents SELECT * FROM incoming ON CONFLICT (id) DO UPDATE SET {updates}")
            conn.execute("UPDATE store_state SET generation = generation + 1")
        return len(batch)

    def log_import(self, file: str, result) -> None:
        """A line in the import log: who imported which file, when, with its counts and rejects."""
        if self.read_only:
            return
        rejects = None
        if result.rejects is not None and len(result.rejects):
            rejects = json_rows(result.rejects.astype(str))
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO import_log (file, rows, new, updated, unchanged, merged, rejected, rejects) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb)",
                (file, result.rows, result.new, result.updated, result.unchanged, result.merged, result.rejected,
                 None if rejects is None else "[" + ",".join(rejects) + "]"),
            )

    def import_log(self) -> pd.DataFrame:
        with self._connection() as conn:
            cur = conn.execute("SELECT id, file, imported_by, imported_at, rows, new, updated, unchanged, merged, "
                               "rejected FROM import_log ORDER BY id")
            names = [d.name for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=names)

    def seed(self, bundle) -> None:
        """Replace everything with ``bundle`` (``geodata init``), in one transaction."""
        if self.read_only:
            raise GeodataError(f"{self.url}: this store is open read-only")
        with self.writing(), self._connection() as conn:
            conn.execute("TRUNCATE incidents, facilities, facility_population, build_report")
            fac = bundle.facilities
            geoms = np.asarray(fac.geometry.array, dtype=object)
            x, y = shapely.get_x(geoms), shapely.get_y(geoms)
            props = json_rows(pd.DataFrame(fac.drop(columns=fac.geometry.name)))
            with conn.cursor().copy("COPY facilities (position, id, aor, geom, props) FROM STDIN") as copy:
                for i, (fid, aor, a, b, p) in enumerate(zip(_na(fac["id"]), _na(fac["aor"]), x, y, props)):
                    point = None if (np.isnan(a) or np.isnan(b)) else f"SRID=4326;POINT({float(a)!r} {float(b)!r})"
                    copy.write_row((i, fid, aor, point, p))
            for table, frame in (("facility_population", bundle.population), ("build_report", bundle.report)):
                if frame is None or frame.empty:
                    continue
                with conn.cursor().copy(f"COPY {table} (position, props) FROM STDIN") as copy:
                    for i, p in enumerate(json_rows(frame)):
                        copy.write_row((i, p))
            if len(bundle.incidents):
                self._copy_incidents(conn, bundle.incidents, "incidents")
            conn.execute("UPDATE store_state SET generation = generation + 1")
            conn.execute("ANALYZE incidents")

