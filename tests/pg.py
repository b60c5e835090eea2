"""A throwaway PostgreSQL server for the test run: initdb and pg_ctl into a temporary folder,
listening on a free loopback port, stopped at the end."""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL server programs not found: run `make test` (it installs the Debian "
        "postgresql package) or set HEARTH_TEST_BACKENDS=sqlite"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start with .start(), stop with .stop(); .url(db) gives a SQLAlchemy URL."""

    def __init__(self):
        self.bindir = _bindir()
        self.base = Path(tempfile.mkdtemp(prefix="hearth-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        # initdb refuses to run as root; run the server programs as the postgres user then.
        self.run_as = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> "PostgresServer":
        """initdb and start; fsync is off because the data is thrown away."""
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(self.base, user.pw_uid, user.pw_gid)
        self.base.chmod(0o755)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "hearth",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, *action: str) -> None:
        # The log file keeps the server's output off our pipes (a server holding them open
        # would keep subprocess.run waiting).
        log = str(self.base / "log")
        self._run("pg_ctl", "-D", str(self.data), "-o", self.options, "-l", log, "-w", "-t", "60",
                  *action)  # fmt: skip

    @property
    def options(self) -> str:
        """The server's settings: loopback only, and no fsync since the data is thrown away."""
        return (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )

    def restart(self) -> None:
        """Restart the server (fast shutdown: open connections are cut), for fault tests."""
        self._pg_ctl("-m", "fast", "restart")

    def create_database(self, name: str) -> str:
        """Create a database and return its URL."""
        import psycopg

        for _ in range(50):
            try:
                with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                return self.url(name)
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not accept connections; see {self.base / 'log'}")

    def url(self, name: str, *, driver: bool = True) -> str:
        """A URL for one database on this server."""
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://hearth@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        with contextlib.suppress(subprocess.SubprocessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)
