"""The README stays true: its set-up commands are CI's, and it names every CLI subcommand,
URL and canned query."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from flask import Flask

from publisher.cli import main
from publisher.store.canned import load_queries

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


# The group imports each subcommand only when it runs, so ``main.commands`` is empty:
# list_commands names them all.
COMMANDS = main.list_commands(click.Context(main))


def test_subcommands_are_collected() -> None:
    assert {"build", "serve", "query", "validate"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_is_documented(command: str) -> None:
    assert f"municipal-roles {command}" in README


def test_every_url_is_documented(app: Flask) -> None:
    # "/queries/<name>.<ext>" is documented as "/queries"; static assets need no docs.
    prefixes = {
        re.split(r"[<.]", rule.rule.lstrip("/"), maxsplit=1)[0].rstrip("/")
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    prefixes.discard("")  # the landing page "/" is its own row
    assert prefixes, "no routes collected"
    missing = sorted(p for p in prefixes if f"`/{p}" not in README)
    assert not missing, f"README does not name these URLs: {missing}"
    assert "| `/` |" in README


def test_every_canned_query_is_documented() -> None:
    queries = load_queries()
    assert len(queries) >= 12
    missing = [q.name for q in queries if f"`{q.name}.rq`" not in README]
    assert not missing, f"README does not list these queries: {missing}"


def setup_commands() -> dict[str, str]:
    """The commands of the README's set-up section, each with its comment."""
    section = README.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    pairs = (line.split("#", 1) for line in block.splitlines() if line.strip())
    return {command.strip(): comment.strip() for command, comment in pairs}


def test_ci_runs_the_readme_test_command_verbatim_with_debian_python() -> None:
    commands = setup_commands()
    [test_command] = [c for c, comment in commands.items() if "test suite" in comment]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^PATH=/usr/bin:\$PATH {re.escape(test_command)}( |$)", ci, re.MULTILINE)
    for command in commands:
        assert os.access(ROOT / command.split()[0], os.X_OK), command


@pytest.fixture
def run_script(tmp_path: Path) -> Path:
    """A copy of ./run in a folder of its own, which has no virtual environment yet."""
    return Path(shutil.copy2(ROOT / "run", tmp_path / "run"))


def run(script: Path, *args: str, python: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": python}
    return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, timeout=60)


def test_run_refuses_a_python_older_than_3_11(run_script: Path) -> None:
    old = run_script.parent / "python3.10"
    old.write_text("#!/bin/sh\necho 3.10\n")
    old.chmod(0o755)
    result = run(run_script, "test", python=str(old))
    assert result.returncode == 1
    assert f"{old} is Python 3.10; Python 3.11 or newer is needed" in result.stderr
    assert not (run_script.parent / ".venv").exists()


def test_run_says_what_to_install_without_python(run_script: Path) -> None:
    result = run(run_script, "serve", python="python3-nowhere")
    assert result.returncode == 1
    assert "no python3-nowhere on PATH: install Python 3.11 or newer" in result.stderr
    assert not (run_script.parent / ".venv").exists()


@pytest.mark.parametrize("args", [(), ("deploy",)])
def test_run_without_a_known_command_is_a_usage_error(run_script: Path, args: tuple[str]) -> None:
    result = run(run_script, *args, python="python3")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: ./run serve")
