"""What the HTTP benchmarks share: a seeded database, gunicorn, a logged-in client.

- :func:`prepare_database`: upgrade the schema; seed ``iris_admin.seed`` customers
  when the database has none; an admin account through ``flask iris create-user``.
- :func:`running_gunicorn`: the documented command (``gunicorn -c
  config/gunicorn.conf.py wsgi:app``) on a free loopback port.
- :class:`Browser`: a cookie-keeping urllib client that logs in through /login.
"""

from __future__ import annotations

import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402  needs the sys.path entry above

from iris_admin import schema  # noqa: E402  needs the sys.path entry above
from iris_admin.models import Customer, User  # noqa: E402  needs the sys.path entry above
from iris_admin.seed import SeedResult, seed_customers  # noqa: E402  needs the sys.path entry above

ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def describe_url(url: str) -> str:
    """The URL without its password, for reports."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def database_kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "IRIS_CONFIG": "development",  # plain http on loopback: no Secure-only cookies
        "IRIS_DATABASE_URL": database_url,
        "IRIS_SECRET_KEY": "bench-" + os.urandom(8).hex(),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **extra,
    }


def prepare_database(
    database_url: str, customers: int, batch_size: int = 10_000
) -> SeedResult | None:
    """Schema at head, ``customers`` seeded into an empty database, an admin to log in.

    A database that has customers already is used as it is (``None`` is returned).
    """
    engine = create_engine(database_url)
    try:
        schema.upgrade(engine)
        with engine.connect() as connection:
            existing = connection.scalar(select(func.count()).select_from(Customer))
            has_admin = connection.scalar(
                select(func.count()).select_from(User).where(User.email == ADMIN_EMAIL)
            )
        result = None
        if not existing:
            print(f"Seeding {customers:,} customers ...", flush=True)

            def progress(so_far: SeedResult, wanted: int) -> None:
                if so_far.customers % (10 * batch_size) == 0 or so_far.customers == wanted:
                    print(
                        f"  {so_far.customers:,} / {wanted:,} "
                        f"({so_far.customers_per_second:,.0f} customers/s)",
                        flush=True,
                    )

            result = seed_customers(engine, customers, batch_size=batch_size, progress=progress)
    finally:
        engine.dispose()
    if not has_admin:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "iris",
                "create-user",
                ADMIN_EMAIL,
                "--role",
                "admin",
                "--name",
                "Bench Admin",
                "--password",
                ADMIN_PASSWORD,
            ],
            cwd=ROOT,
            env=server_environment(database_url),
            check=True,
            capture_output=True,
        )
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_gunicorn(database_url: str, workers: int, log_path: Path) -> Iterator[str]:
    """gunicorn with the project's config file; yields its base URL."""
    port = free_port()
    env = server_environment(database_url, IRIS_BIND=f"127.0.0.1:{port}", IRIS_WORKERS=str(workers))
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base_url, log_path)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=10) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:  # 503: the database is not ready
            raise SystemExit(f"/healthz answered {error.code}: {error.read().decode()}") from error
        except OSError:  # not listening yet (refused, timed out)
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 120 s:\n{log_path.read_text()}")


class Browser:
    """A cookie-keeping HTTP client that reports status codes instead of raising."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def fetch(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, final URL, body) of a GET, or of a POST when ``data`` is given."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self._opener.open(self.base_url + path, data=body, timeout=60) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode(errors="replace")

    def log_in(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
        status, _, page = self.fetch("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or token is None:
            raise SystemExit(f"/login answered {status} without a CSRF token")
        status, url, page = self.fetch(
            "/login", {"csrf_token": token.group(1), "email": email, "password": password}
        )
        if status != 200 or "/admin/customer/" not in url:
            raise SystemExit(f"Logging in failed: {status} at {url}")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "? GiB"
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cores} CPUs ({cpu}), {ram} RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def load_average() -> str:
    """Other work on the machine skews every figure; say how busy it was."""
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
