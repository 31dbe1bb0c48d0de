"""A real SPARQL client (SPARQLWrapper) against a live ``municipal-roles serve``, and the
``serve`` and ``query`` commands as a user runs them."""

import json
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from tests.web.conftest import CLI, running_server

pytestmark = pytest.mark.slow
ONTOLOGY = URIRef("https://w3id.org/municipal-roles/ontology")
CLASSES = "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class ORDER BY ?class"


def wrapper(live_server: str) -> SPARQLWrapper:
    return SPARQLWrapper(f"{live_server}/sparql")


@pytest.mark.parametrize("method", ["GET", POST, POSTDIRECTLY])
def test_select_json(live_server: str, method: str) -> None:
    sparql = wrapper(live_server)
    sparql.setQuery(CLASSES)
    sparql.setReturnFormat(JSON)
    if method == POSTDIRECTLY:
        sparql.setMethod(POST)
        sparql.setRequestMethod(POSTDIRECTLY)
    elif method == POST:
        sparql.setMethod(POST)
    rows = sparql.queryAndConvert()["results"]["bindings"]
    classes = {row["class"]["value"] for row in rows}
    assert str(OWL.Class) in classes


def test_ask_xml(live_server: str) -> None:
    sparql = wrapper(live_server)
    sparql.setQuery(f"ASK {{ <{ONTOLOGY}> a owl:Ontology }}")
    sparql.setReturnFormat(XML)
    document = sparql.queryAndConvert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "true"


def test_select_csv(live_server: str) -> None:
    sparql = wrapper(live_server)
    sparql.setQuery(CLASSES)
    sparql.setReturnFormat(CSV)
    lines = sparql.queryAndConvert().decode().splitlines()
    assert lines[0] == "class,n"
    assert len(lines) > 1


def test_construct_turtle(live_server: str) -> None:
    sparql = wrapper(live_server)
    sparql.setQuery(f"CONSTRUCT WHERE {{ <{ONTOLOGY}> ?p ?o }}")
    sparql.setReturnFormat(TURTLE)
    graph = Graph().parse(data=sparql.queryAndConvert(), format="turtle")
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph


def test_syntax_error_reaches_the_client(live_server: str) -> None:
    sparql = wrapper(live_server)
    sparql.setQuery("SELECT * WHERE { ?s ?p ")
    sparql.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="error at 1:"):
        sparql.queryAndConvert()


def test_live_server_conventions(live_server: str) -> None:
    response = httpx.get(
        f"{live_server}/sparql",
        params={"query": CLASSES},
        headers={"Accept": "text/tab-separated-values", "Accept-Encoding": "gzip"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    assert response.headers["access-control-allow-origin"] == "*"
    cached = httpx.get(
        f"{live_server}/sparql",
        params={"query": CLASSES},
        headers={
            "Accept": "text/tab-separated-values",
            "Accept-Encoding": "gzip",
            "If-None-Match": response.headers["etag"],
        },
    )
    assert cached.status_code == 304


def test_serve_builds_the_shipped_dataset_on_a_fresh_install(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    with running_server(home, "--workers", "1", ready_within=120) as base:
        body = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s a owl:Ontology }"}).json()
        assert body["boolean"] is True
    assert (home / "current" / "manifest.json").is_file()


def test_serve_dev(snapshot_home: Path) -> None:
    with running_server(snapshot_home, "--dev") as base:
        response = httpx.get(f"{base}/sparql", params={"query": "ASK {}"})
        assert response.json()["boolean"] is True


def run_query(home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "query", "--home", str(home), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_query_command_formats(snapshot_home: Path, tmp_path: Path) -> None:
    as_json = run_query(snapshot_home, CLASSES)
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)["results"]["bindings"]
    query_file = tmp_path / "classes.rq"
    query_file.write_text(CLASSES, encoding="utf-8")
    as_tsv = run_query(snapshot_home, "--file", str(query_file), "--format", "tsv")
    assert as_tsv.returncode == 0
    assert len(as_tsv.stdout.splitlines()) == len(rows) + 1
    from_stdin = subprocess.run(
        [CLI, "query", "--home", str(snapshot_home), "--file", "-", "--format", "csv"],
        input=CLASSES,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert from_stdin.stdout.splitlines()[0] == "class,n"
    graph = run_query(snapshot_home, f"DESCRIBE <{ONTOLOGY}>", "--format", "nt")
    parsed = Graph().parse(data=graph.stdout, format="nt")
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in parsed


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        (["--max-rows", "2"], "output cut at 2 rows (--max-rows)"),
        (["--max-bytes", "300"], "--max-bytes 300"),
    ],
)
def test_query_command_says_which_cap_cut_the_answer(
    snapshot_home: Path, cap: list[str], message: str
) -> None:
    result = run_query(snapshot_home, "SELECT ?s WHERE { ?s a ?class }", "--format", "tsv", *cap)
    assert result.returncode == 0, result.stderr
    assert message in result.stderr
    cut_at = re.search(r"output cut at (\d+) rows", result.stderr)
    assert cut_at is not None
    assert 0 < int(cut_at[1]) == len(result.stdout.splitlines()) - 1 < 10


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["SELECT * WHERE {"], "syntax error"),
        (["CONSTRUCT WHERE { ?s ?p ?o }", "--format", "csv"], "does not fit"),
        (["SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"], "SERVICE"),
        (["INSERT DATA { <http://a/s> <http://a/p> 1 }"], "read-only"),
        ([], "either as an argument or with --file"),
        (["--file", "/nonexistent/query.rq"], "cannot read"),
    ],
)
def test_query_command_errors(snapshot_home: Path, arguments: list[str], message: str) -> None:
    result = run_query(snapshot_home, *arguments)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
