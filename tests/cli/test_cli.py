"""The installed ``municipal-roles`` command, as a steward runs it from any folder."""

import os
import subprocess
import sys
from pathlib import Path

# The console script pip installed beside this interpreter: the command stewards run.
SCRIPT = str(Path(sys.executable).parent / "municipal-roles")


def run(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MUNICIPAL_ROLES_HOME": str(home)}
    return subprocess.run(
        [SCRIPT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_build_works_from_any_folder_and_prints_a_summary(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("build", cwd=elsewhere, home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "asserted" in result.stdout and "inferred" in result.stdout
    assert "mr:PositionType" in result.stdout
    assert (tmp_path / "home" / "current" / "manifest.json").is_file()
    assert list(elsewhere.iterdir()) == []


def test_piped_output_has_no_progress_or_colour_codes(tmp_path: Path) -> None:
    result = run("build", cwd=tmp_path, home=tmp_path / "home")
    assert "\x1b[" not in result.stdout + result.stderr
    assert result.stderr == ""


def test_syntax_error_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "city.ttl"
    bad.write_text("@prefix ex: <http://ex/> .\n\nex:a ex:b ex:c\nex:d ex:e ex:f .\n")
    result = run("build", "--data", str(bad), cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode == 2
    assert f"{bad}:4" in result.stderr
    assert "previous snapshot stays" in result.stderr
    assert not (tmp_path / "home" / "current").exists()


def test_missing_data_file_exits_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.ttl"
    result = run("build", "--data", str(missing), cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode == 2
    assert str(missing) in result.stderr


def test_unknown_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    result = run("publish-everything", cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode == 2


def test_triple_term_exits_2_without_a_traceback(tmp_path: Path) -> None:
    """RDF 1.2 triple terms are refused (tests/cli/test_triple_terms.py has every format)."""
    path = tmp_path / "city.ttl"
    path.write_text("<http://a> <http://b> <<( <http://c> <http://d> <http://e> )>> .\n")
    for command in (["validate", str(path)], ["build", "--data", str(path)]):
        result = run(*command, cwd=tmp_path, home=tmp_path / "home")
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: {path}:1: RDF 1.2 triple terms")
        assert "Traceback" not in result.stdout + result.stderr
