"""A throwaway PostgreSQL server on loopback for the test suite.

``IRIS_TEST_POSTGRES_URL`` (a server URL whose user may create databases) wins;
without it, :func:`start` runs Debian's ``initdb`` and ``pg_ctl`` on a fresh data
folder and a free port. The server is tuned for tests (no fsync) and is stopped
with :func:`stop`. Durability settings are safe to drop here: the data lives as
long as the test run.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DRIVER = "postgresql+psycopg"


@dataclass
class Server:
    url: str  # ending in the maintenance database, /postgres
    data_dir: Path | None = None
    run_as: str | None = None
    pg_ctl: str | None = None


def _binaries() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        raise RuntimeError(
            "PostgreSQL is not installed: run `bash .ci/install-system-deps` (Debian's "
            "postgresql package) or set IRIS_TEST_POSTGRES_URL."
        )
    return Path(candidates[0]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], run_as: str | None) -> None:
    if run_as:
        command = ["runuser", "-u", run_as, "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def start() -> Server:
    bin_dir = _binaries()
    # PostgreSQL refuses to run as root; CI machines run the suite as root.
    run_as = "postgres" if os.geteuid() == 0 else None
    data_dir = Path(tempfile.mkdtemp(prefix="iris-test-pg-"))
    if run_as:
        user = pwd.getpwnam(run_as)
        os.chown(data_dir, user.pw_uid, user.pw_gid)
    _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ],
        run_as,
    )
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {data_dir} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    _run(
        [
            pg_ctl,
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(data_dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        run_as,
    )
    return Server(
        url=f"{DRIVER}://postgres@127.0.0.1:{port}/postgres",
        data_dir=data_dir,
        run_as=run_as,
        pg_ctl=pg_ctl,
    )


def stop(server: Server) -> None:
    if server.data_dir is None or server.pg_ctl is None:
        return
    try:
        _run(
            [server.pg_ctl, "-D", str(server.data_dir), "-m", "immediate", "-w", "stop"],
            server.run_as,
        )
    finally:
        shutil.rmtree(server.data_dir, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    base = server_url.rsplit("/", 1)[0]
    return f"{base}/{name}"
