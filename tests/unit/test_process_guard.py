"""The process guard fails a run that leaves a process behind, and ends that process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.process_guard import descendants

REPO = Path(__file__).resolve().parents[2]

LEAKY_TEST = """
import subprocess
from pathlib import Path

def test_leaks_a_server(tmp_path):
    # A "server" nobody stops; its pid is written where the outer test can see it.
    leaked = subprocess.Popen(["sleep", "600"])
    Path({pid_file!r}).write_text(str(leaked.pid))
"""

TIDY_TEST = """
import subprocess

def test_stops_its_server():
    server = subprocess.Popen(["sleep", "600"])
    server.terminate()
    server.wait()
"""


def run_inner_pytest(folder: Path, source: str, *options: str) -> subprocess.CompletedProcess:
    (folder / "test_inner.py").write_text(textwrap.dedent(source))
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.process_guard", "-p", "no:cacheprovider",
         "-q", "--rootdir", str(folder), "-c", os.devnull, *options, str(folder)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_leaked_process_fails_the_run_and_is_ended(tmp_path: Path) -> None:
    pid_file = tmp_path / "leaked.pid"
    result = run_inner_pytest(tmp_path, LEAKY_TEST.format(pid_file=str(pid_file)))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "the tests left 1 process(es) running" in result.stdout
    assert "sleep 600" in result.stdout
    assert not is_running(int(pid_file.read_text()))


def test_a_leak_in_an_xdist_worker_is_caught_after_the_worker_exits(tmp_path: Path) -> None:
    pid_file = tmp_path / "leaked.pid"
    result = run_inner_pytest(tmp_path, LEAKY_TEST.format(pid_file=str(pid_file)), "-n", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the tests left 1 process(es) running" in result.stdout
    assert not is_running(int(pid_file.read_text()))


def test_a_run_that_stops_its_processes_passes(tmp_path: Path) -> None:
    result = run_inner_pytest(tmp_path, TIDY_TEST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "process guard" not in result.stdout


def test_descendants_lists_children_and_grandchildren() -> None:
    shell = subprocess.Popen(["sh", "-c", "sleep 30 & wait"])
    try:
        for _ in range(50):
            commands = [info.command for info in descendants(os.getpid())]
            if any(command.startswith("sleep 30") for command in commands):
                break
            time.sleep(0.1)
        assert any(command.startswith("sh -c") for command in commands)
        assert any(command.startswith("sleep 30") for command in commands)
    finally:
        for info in descendants(shell.pid):
            os.kill(info.pid, 9)
        shell.kill()
        shell.wait()
