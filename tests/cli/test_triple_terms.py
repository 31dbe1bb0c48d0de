"""RDF 1.2 triple terms are refused at the door of ``validate`` and ``build --data``: exit 2,
naming the file and the line, never a traceback."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main

TRIPLE_TERM = "<http://a> <http://b> <<( <http://c> <http://d> <http://e> )>> .\n"
# File name -> (content, the line to be named; None where the format has no line to name).
FILES = {
    "triple-term.ttl": (TRIPLE_TERM, 1),
    "triple-term.nt": ("<http://a> <http://b> <http://c> .\n" + TRIPLE_TERM, 2),
    # Characters of RDF 1.2 syntax inside a comment, a string and an IRI come first.
    "reified.ttl": (
        "@prefix ex: <http://example.org/> .\n"
        "# not << this\n"
        'ex:a ex:b """<< nor\n{| this ~ |}""", <http://example.org/~a> .\n'
        "<< ex:a ex:b ex:c >> ex:d ex:e .\n",
        5,
    ),
    "annotated.ttl": (
        "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c {| ex:d ex:e |} .\n",
        2,
    ),
    "reifier.ttl": ("@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c ~ ex:r .\n", 3),
    "triple-term.rdf": (
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/" rdf:version="1.2">\n'
        '  <rdf:Description rdf:about="http://a">\n'
        '    <ex:b rdf:parseType="Triple">\n'
        '      <rdf:Description rdf:about="http://c"><ex:d rdf:resource="http://e"/>'
        "</rdf:Description>\n"
        "    </ex:b>\n"
        "  </rdf:Description>\n"
        "</rdf:RDF>\n",
        4,
    ),
    # JSON-LD 1.1 has no triple terms: the embedded node of JSON-LD-star is a syntax error.
    "triple-term.jsonld": (
        '{"@id": "http://a", "http://b": {"@id": {"@id": "http://c", "http://d": "e"}}}\n',
        None,
    ),
}


def where(path: Path, line: int | None) -> str:
    return f"{path}:{line}: RDF 1.2 triple terms" if line else f"{path}: "


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("command", ["validate", "build"])
def test_triple_term_exits_2_naming_file_and_line(tmp_path: Path, name: str, command: str) -> None:
    text, line = FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    home = tmp_path / "home"
    args = [str(path)] if command == "validate" else ["--data", str(path), "--home", str(home)]
    result = CliRunner().invoke(main, [command, *args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a refusal, not a crash
    assert where(path, line) in result.output
    assert not (home / "current").exists()
