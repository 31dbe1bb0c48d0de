"""``municipal-roles serve`` as an operator runs it: its PID, its pid file, a busy port, a
wrong setting."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from publisher.cli import main

SCRIPT = str(Path(sys.executable).parent / "municipal-roles")


def _wait_for(predicate: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]  # a zero-argument callable
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_serve_prints_its_pid_writes_a_pid_file_and_refuses_a_busy_port(
    home: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "run" / "serve.pid"
    pid_file.parent.mkdir()
    first = subprocess.Popen(
        [SCRIPT, "serve", "--home", str(home), "--port", "0", "--workers", "1",
         "--pid", str(pid_file)],
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert first.stderr is not None
        line = first.stderr.readline()
        found = re.search(r"on http://127\.0\.0\.1:(\d+)/ .*\(.*pid (\d+)\)", line)
        assert found, line
        port, pid = int(found[1]), int(found[2])
        assert pid == first.pid  # the process to send SIGHUP to
        _wait_for(pid_file.exists, 30)
        assert pid_file.read_text().strip() == str(pid)
        _wait_for(lambda: _answers(port), 60)
        assert list((home / "current" / "pins").glob("*.lock"))  # the worker pins it

        started = time.monotonic()
        second = subprocess.run(
            [SCRIPT, "serve", "--home", str(home), "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in second.stderr
        assert "serving" not in second.stderr and "Traceback" not in second.stderr
        print(f"busy port refused in {time.monotonic() - started:.1f} s")
    finally:
        os.kill(first.pid, signal.SIGTERM)
        first.wait(30)
    assert not pid_file.exists()


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/sparql", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_a_wrong_setting_is_refused_before_anything_starts(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["serve", "--home", str(tmp_path / "home"), "--port", "0"],
        env={"MUNICIPAL_ROLES_PUBLIC_URL": "ftp://example.org"},
    )
    assert result.exit_code == 2, result.output
    assert "PUBLIC_URL 'ftp://example.org'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "home").exists()  # nothing was built
