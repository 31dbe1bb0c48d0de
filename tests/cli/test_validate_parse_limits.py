"""``municipal-roles validate`` under its parse limits: a file past a limit ends in exit 2
with a message naming the file and the limit, never in a crash (134, 139) or a traceback.

Run as the installed command, so that a native abort would show as its exit code."""

import json
import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).with_name("municipal-roles"))
TRIPLE = '<http://example.org/s{i}> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'


def validate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "validate", *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_a_file_past_max_triples_exits_2_naming_the_file_and_the_limit(tmp_path: Path) -> None:
    many = tmp_path / "many.nt"
    many.write_text("".join(TRIPLE.format(i=i) for i in range(11)), encoding="utf-8")
    done = validate(many, "--max-triples", "10")
    assert done.returncode == 2, done
    assert f"{many}: the file holds more than 10 triples" in done.stderr
    assert "--max-triples" in done.stderr and "Traceback" not in done.stderr
    assert validate(many, "--max-triples", "11").returncode == 0


def test_a_parse_past_the_memory_cap_exits_2_naming_the_file_and_the_limit(
    tmp_path: Path,
) -> None:
    # 15 MiB in one literal: within the limit per literal, past 100 MiB of address space
    # for the parser (its Rust buffer aborts the process, or Python raises MemoryError).
    big = tmp_path / "big.ttl"
    big.write_text('<http://example.org/s> <http://example.org/p> "' + "a" * (15 << 20) + '" .\n')
    small = tmp_path / "small.ttl"
    small.write_text(TRIPLE.format(i=0), encoding="utf-8")
    done = validate(big, small, "--max-memory", "100")
    assert done.returncode == 2, done
    assert f"{big}: " in done.stderr and "memory limit of 100 MiB" in done.stderr
    # The file after the one that killed its parser still got its own parse.
    assert str(small) not in done.stderr
    assert "Traceback" not in done.stderr and "memory allocation" not in done.stderr


def test_a_literal_past_the_limit_exits_2_in_every_streaming_format(tmp_path: Path) -> None:
    body = "a" * ((16 << 20) + 1)
    files = {
        "long.ttl": f'<http://example.org/s> <http://example.org/p> "{body}" .\n',
        "open.ttl": f'<http://example.org/s> <http://example.org/p> "{body}',
        "long.rdf": (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
            f"<e:p>{body}</e:p></rdf:Description></rdf:RDF>"
        ),
        "long.jsonld": '{"@id": "http://example.org/s", "http://example.org/p": "' + body + '"}',
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        done = validate(path)
        assert done.returncode == 2, (name, done)
        assert f"{path}: a literal, IRI or comment is longer than 16 MiB" in done.stderr, name
        assert "Traceback" not in done.stderr, name
        path.unlink()


def test_a_parse_past_the_time_limit_exits_2_naming_the_file_and_the_limit(
    tmp_path: Path,
) -> None:
    # JSON-LD whose scoped contexts grow at every level: 25 levels of 200 terms (260 KB)
    # keep Oxigraph's JSON-LD processor busy for seconds (40 levels: 40 s).
    node: dict[str, object] = {"@id": "http://example.org/leaf", "t0_0": "x"}
    for level in reversed(range(25)):
        context = {
            f"t{level}_{i}": {"@id": f"http://example.org/t{level}/{i}", "@context": {}}
            for i in range(200)
        }
        node = {"@context": context, "@id": f"http://example.org/l{level}", f"t{level}_0": node}
    slow = tmp_path / "slow.jsonld"
    slow.write_text(json.dumps(node), encoding="utf-8")
    done = validate(slow, "--max-seconds", "1")
    assert done.returncode == 2, done
    assert f"{slow}: parsing took longer than 1 s" in done.stderr
    assert "--max-seconds" in done.stderr and "Traceback" not in done.stderr
