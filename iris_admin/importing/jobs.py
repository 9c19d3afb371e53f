"""Running an import's preview or commit, in the request or in a background thread.

Imports above ``IRIS_IMPORT_BACKGROUND_ROWS`` rows run in a thread started by the web
request. That is enough for the stand-alone app because nothing lives only in the
thread: the plan, the progress, the result and failures are written to the database
(``iris_import_run``), so every worker can show them and a reload shows them again.
The thread catches every error and marks the run failed; a process that dies is
noticed by :func:`store.mark_stale_failed` (its pid is gone or it stopped reporting),
and the database has already rolled its open transaction back.

During the commit, PostgreSQL gets the progress through a second connection, beside
the commit's transaction, so every worker shows it. SQLite allows one writer, the
commit itself, so there the figures reach the database when the commit ends; until
then the process running it shows them from memory and other workers "applying".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale

from ..extension import iris_state
from ..models import ImportRun
from .apply import ApplyFailed, apply_run
from .store import ReadOptions, finish_failed, plan_run

log = logging.getLogger(__name__)


@dataclass
class LiveProgress:
    phase: str
    done: int = 0
    total: int | None = None


_threads: dict[int, threading.Thread] = {}
_live: dict[int, LiveProgress] = {}
# Runs a request of this process is planning or applying right now (no thread).
_in_requests: set[int] = set()
_lock = threading.Lock()


@contextmanager
def working_on(run_id: int) -> Iterator[None]:
    """Mark a run as being worked on by this process while a request plans or applies it."""
    with _lock:
        _in_requests.add(run_id)
    try:
        yield
    finally:
        with _lock:
            _in_requests.discard(run_id)


def read_options(config: Any = None) -> ReadOptions:
    config = config or current_app.config
    return ReadOptions(
        max_bytes=int(config["IRIS_IMPORT_MAX_BYTES"]),
        batch_size=int(config["IRIS_IMPORT_BATCH_SIZE"]),
        default_region=str(config.get("IRIS_DEFAULT_COUNTRY") or "NL"),
    )


def live_progress(run_id: int) -> LiveProgress | None:
    return _live.get(run_id)


def is_running_here(run_id: int) -> bool:
    if run_id in _in_requests:
        return True
    thread = _threads.get(run_id)
    return thread is not None and thread.is_alive()


def wait_for(run_id: int, timeout: float | None = None) -> None:
    """Wait for this process's background job of a run (tests, the CLI)."""
    thread = _threads.get(run_id)
    if thread is not None:
        thread.join(timeout)


def _start(app: Flask, run_id: int, target: Any, locale: str | None) -> None:
    def work() -> None:
        try:
            with (
                app.app_context(),
                force_locale(locale or app.config.get("BABEL_DEFAULT_LOCALE", "en")),
            ):
                try:
                    target(run_id)
                finally:
                    iris_state().remove_session()
        finally:
            with _lock:
                _live.pop(run_id, None)
                _threads.pop(run_id, None)

    thread = threading.Thread(target=work, name=f"iris-import-{run_id}", daemon=True)
    with _lock:
        _threads[run_id] = thread
    thread.start()


def start_plan(app: Flask, run_id: int, locale: str | None) -> None:
    _start(app, run_id, _plan_job, locale)


def start_apply(app: Flask, run_id: int, locale: str | None) -> None:
    _start(app, run_id, _apply_job, locale)


def _plan_job(run_id: int) -> None:
    session = iris_state().session
    run = session.get(ImportRun, run_id)
    if run is None:
        return
    upload = run.upload
    if upload is None:
        finish_failed(session, run_id, "The uploaded file is no longer available.")
        return
    progress = _live.setdefault(run_id, LiveProgress("planning"))

    def report(done: int, total: int | None) -> None:
        progress.done, progress.total = done, total

    try:
        plan_run(session, run, upload, read_options(), progress=report)
    except Exception:
        log.exception("Background preview of import %s failed", run_id)


def _apply_job(run_id: int) -> None:
    session = iris_state().session
    progress = _live.setdefault(run_id, LiveProgress("applying"))

    def report(done: int, total: int) -> None:
        progress.done, progress.total = done, total

    try:
        apply_run(session, run_id, batch_size=read_options().batch_size, progress=report)
    except ApplyFailed:
        pass  # the run is marked failed with the reason
    except Exception:
        log.exception("Background commit of import %s failed", run_id)
