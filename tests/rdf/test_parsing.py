"""Parsing stewards' files: clear errors with file and line, and nothing fetched, ever."""

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from publisher.rdf.parsing import MAX_JSON_DEPTH, InputError, load_graph

BROKEN = {
    "city.ttl": ('@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:a ex:b "open\n', 3),
    "city.nt": ("<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", 2),
    "city.jsonld": ('{\n  "@id": "http://a",\n  "http://b": {"@id": \n', 4),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_syntax_errors_name_file_and_line(tmp_path: Path, name: str) -> None:
    text, line = BROKEN[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_graph([path])
    assert raised.value.path == path
    assert raised.value.line == line
    assert str(raised.value).startswith(f"{path}:{line}")


def test_unknown_extension_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "city.data"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="--input-format"):
        load_graph([path])


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_graph([tmp_path / "absent.ttl"])


BOMB_DTD = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
RDF_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://ex/"><rdf:Description rdf:about="http://ex/s">'
    "<ex:p>&b;</ex:p></rdf:Description></rdf:RDF>\n"
)


@pytest.mark.parametrize(
    "before_dtd",
    [
        "",
        "<!-- <x -->\n",  # a comment that looks like a start tag
        "<!-- " + "padding " * 20_000 + "-->\n",  # the DTD beyond the first megabyte
    ],
    ids=["plain", "comment-with-tag", "padded"],
)
def test_rdfxml_with_a_dtd_is_refused(tmp_path: Path, before_dtd: str) -> None:
    path = tmp_path / "lol.rdf"
    path.write_text('<?xml version="1.0"?>\n' + before_dtd + BOMB_DTD + RDF_BODY, encoding="utf-8")
    with pytest.raises(InputError, match="DTD"):
        load_graph([path])


def test_rdfxml_in_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "city.rdf"
    path.write_text('<?xml version="1.0" encoding="UTF-16"?>\n' + BOMB_DTD + RDF_BODY, "utf-16")
    with pytest.raises(InputError, match="UTF-8"):
        load_graph([path])


def test_plain_rdfxml_loads(tmp_path: Path) -> None:
    path = tmp_path / "city.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://ex/"><rdf:Description rdf:about="http://ex/s">'
        "<ex:p>v</ex:p></rdf:Description></rdf:RDF>\n",
        encoding="utf-8",
    )
    assert len(load_graph([path])) == 1


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(b'{"@context": {"name": "http://schema.org/name"}}')

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    """A loopback HTTP server that records every request it gets."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_remote_jsonld_context_is_refused_and_never_fetched(tmp_path: Path, recorder: str) -> None:
    path = tmp_path / "city.jsonld"
    path.write_text(
        f'{{"@context": "{recorder}/context.jsonld", "@id": "http://ex/a", "name": "x"}}',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="never fetched"):
        load_graph([path])
    assert _Recorder.requests == []


def test_owl_imports_are_not_followed(tmp_path: Path, recorder: str) -> None:
    path = tmp_path / "city.ttl"
    path.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<http://ex/o> a owl:Ontology ; owl:imports <{recorder}/other.ttl> .\n",
        encoding="utf-8",
    )
    assert len(load_graph([path])) == 2
    assert _Recorder.requests == []


def test_blank_nodes_of_different_files_stay_apart(tmp_path: Path) -> None:
    for name in ("a.ttl", "b.ttl"):
        (tmp_path / name).write_text('_:x <http://ex/p> "v" .\n', encoding="utf-8")
    graph = load_graph([tmp_path / "a.ttl", tmp_path / "b.ttl"])
    assert len(set(graph.subjects())) == 2


SAME_TRIPLE = {
    "city.ttl": '@prefix ex: <http://ex/> .\nex:a ex:b "c" .\n',
    "city.nt": '<http://ex/a> <http://ex/b> "c" .\n',
    "city.jsonld": '{"@id": "http://ex/a", "http://ex/b": "c"}\n',
    "city.rdf": (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/">'
        '<rdf:Description rdf:about="http://ex/a"><ex:b>c</ex:b></rdf:Description></rdf:RDF>\n'
    ),
}


@pytest.mark.parametrize("name", sorted(SAME_TRIPLE))
def test_a_utf8_byte_order_mark_is_accepted_in_every_format(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + SAME_TRIPLE[name].encode())
    graph = load_graph([path])
    assert [(str(s), str(p), str(o)) for s, p, o in graph] == [("http://ex/a", "http://ex/b", "c")]


def test_jsonld_nested_too_deep_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonld"
    levels = 6000  # crashed the parser with SIGSEGV
    path.write_text('{"@id": "http://ex/a", "http://ex/b": ' + "[" * levels + "]" * levels + "}")
    with pytest.raises(InputError, match=f"more than {MAX_JSON_DEPTH} levels") as raised:
        load_graph([path])
    assert raised.value.path == path


def test_brackets_inside_jsonld_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    path = tmp_path / "flat.jsonld"
    deep_looking = "[{" * (MAX_JSON_DEPTH + 1) + '\\"'
    path.write_text(json.dumps({"@id": "http://ex/a", "http://ex/b": deep_looking}))
    assert len(load_graph([path])) == 1
