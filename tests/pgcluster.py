"""A throw-away PostgreSQL + PostGIS cluster for the store tests.

:func:`start_cluster` runs ``initdb`` in a temporary folder, starts the server on a
free port of 127.0.0.1 (and a Unix socket in that folder), creates a database with
the PostGIS extension and returns a :class:`Cluster`; ``stop()`` shuts it down and
removes the folder.  Nothing outside the temporary folder is touched, and no
server is left running (the tests' fixture stops it at the end of the session).

PostgreSQL refuses to run as root, so as root the cluster belongs to the
``postgres`` system user that Debian's package creates.  :func:`why_unavailable`
says why a cluster cannot be started here (no PostgreSQL, no PostGIS), for a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cluster", "start_cluster", "why_unavailable", "pg_bindir"]


def pg_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: Debian keeps them out of PATH."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent  # /usr/local/bin/pg_ctl may link to /usr/lib/postgresql/15/bin
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _postgis_available(bindir: Path) -> bool:
    version = bindir.parent.name  # /usr/lib/postgresql/15/bin -> 15
    return any(Path(p).is_file() for p in glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"))


def why_unavailable() -> str | None:
    bindir = pg_bindir()
    if bindir is None:
        return "PostgreSQL is not installed (apt-get install postgresql-15-postgis-3)"
    if not _postgis_available(bindir):
        return f"PostGIS is not installed for {bindir.parent} (apt-get install postgresql-15-postgis-3)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to own the cluster"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    folder: Path
    port: int
    bindir: Path
    database: str = "geodata_test"
    superuser: str = "postgres"

    def url(self, user: str | None = None, database: str | None = None) -> str:
        return f"postgresql://{user or self.superuser}@127.0.0.1:{self.port}/{database or self.database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def psql(self, sql: str, database: str | None = None) -> str:
        out = self._run(self.bindir / "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                        "-p", str(self.port), "-U", self.superuser, "-d", database or self.database, "-c", sql)
        return out.stdout

    def stop(self) -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.folder / "data", "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Cluster:
    reason = why_unavailable()
    if reason:
        raise RuntimeError(reason)
    bindir = pg_bindir()
    folder = Path(tempfile.mkdtemp(prefix="geodata-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o700)
    cluster = Cluster(folder=folder, port=_free_port(), bindir=bindir)
    try:
        cluster._run(bindir / "initdb", "-D", folder / "data", "-U", "postgres", "--auth=trust",
                     "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=50")
        cluster._run(bindir / "pg_ctl", "-D", folder / "data", "-l", folder / "server.log", "-o", options,
                     "-w", "-t", "60", "start")
        for _ in range(50):
            if cluster._run(bindir / "pg_isready", "-h", "127.0.0.1", "-p", str(cluster.port),
                            check=False).returncode == 0:
                break
            time.sleep(0.2)
        cluster.psql(f"CREATE DATABASE {cluster.database}", database="postgres")
        cluster.psql("CREATE EXTENSION IF NOT EXISTS postgis")
    except BaseException:
        log = folder / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        cluster.stop()
        raise RuntimeError(f"could not start a PostgreSQL cluster: {detail}") from None
    return cluster
