"""A pytest plugin that fails the run when a test left a process running.

The main pytest process makes itself the *child subreaper* of everything it
starts (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``): a process orphaned by a test,
or by an xdist worker that already exited, is re-parented to it instead of to
init, so at the end of the session every process the tests started and did not
end is still a descendant. Those are reported, ended, and the run fails.

Processes started *before* the guard is armed (the PostgreSQL server the suite
starts in ``pytest_configure`` and stops in ``pytest_unconfigure``) are not
descendants and are not reported.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PR_SET_CHILD_SUBREAPER = 36
GRACE_S = 5.0


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    parent: int
    command: str


def _read_process(pid: int) -> ProcessInfo | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        raw_command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # The command name in stat is in parentheses and may itself hold spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    state, parent = fields[0], int(fields[1])
    if state == "Z":
        return None
    command = raw_command.replace(b"\0", b" ").decode(errors="replace").strip()
    return ProcessInfo(pid=pid, parent=parent, command=command or stat.split()[1])


def descendants(root: int) -> list[ProcessInfo]:
    """Every live process below ``root``, read from /proc."""
    processes = [
        info
        for entry in os.listdir("/proc")
        if entry.isdigit()
        if (info := _read_process(int(entry)))
    ]
    children: dict[int, list[ProcessInfo]] = {}
    for info in processes:
        children.setdefault(info.parent, []).append(info)
    found: list[ProcessInfo] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child.pid)
    return found


def _reap_zombies() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_processes(processes: list[ProcessInfo]) -> None:
    for info in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline:
        _reap_zombies()
        if not [info for info in processes if _read_process(info.pid)]:
            return
        time.sleep(0.1)
    for info in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGKILL)
    _reap_zombies()


def _is_main_process(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not _is_main_process(config) or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    config.stash[_ARMED] = True


_ARMED = pytest.StashKey[bool]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.stash.get(_ARMED, False):
        return
    # xdist's workers may take a moment to exit after their last report.
    deadline = time.monotonic() + GRACE_S
    left = descendants(os.getpid())
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        _reap_zombies()
        left = descendants(os.getpid())
    if not left:
        return
    lines = "\n".join(f"    pid {info.pid}: {info.command[:200]}" for info in left)
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    message = f"process guard: the tests left {len(left)} process(es) running:\n{lines}\n"
    if terminal is not None:
        terminal.write_line("")
        terminal.write_line(message, red=True, bold=True)
    else:
        sys.stderr.write(message)
    end_processes(left)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
