"""The pages for people: landing page, query form, canned queries, and /validate uploads."""

import json
import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from publisher.rdf.namespaces import ID_BASE, MR
from publisher.store.canned import load_queries

SH = Namespace("http://www.w3.org/ns/shacl#")
HTML = {"Accept": "text/html"}
POSITION_QUERY = f"SELECT ?position WHERE {{ ?position a <{MR.PositionType}> }} ORDER BY ?position"
CANNED = f"""# title: Position types
# description: Every position type of every system,
#   ordered by IRI.
# parameters: none
SELECT ?position WHERE {{ ?position a <{MR.PositionType}> }} ORDER BY ?position
"""
CANNED_CONSTRUCT = f"""# title: Position types as a graph
# description: The type triples of position types.
CONSTRUCT {{ ?p a <{MR.PositionType}> }} WHERE {{ ?p a <{MR.PositionType}> }}
"""
CONFORMING = b'<http://example.org/a> <http://example.org/p> "x" .\n'
NONCONFORMING = f"""@prefix mr: <{MR}> .
<{ID_BASE}position-type/test-unlabelled> a mr:PositionType .
""".encode()


def test_landing_page_says_what_the_dataset_is_with_its_counts(client, snapshot):
    response = client.get("/", headers=HTML)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Municipal government roles" in text
    for count in vars(snapshot.manifest.triples).values():
        assert f"{count:,}" in text
    for href in ("/sparql", "/catalog", "/.well-known/void", "/ontology", "/queries", "/validate"):
        assert f'href="{href}"' in text
    assert 'href="/download/all.ttl"' in text
    assert '<meta name="viewport"' in text


def test_landing_page_needs_nothing_from_elsewhere(client):
    """Scripts, styles and images all come from this server, so the page works offline."""
    text = client.get("/", headers=HTML).get_data(as_text=True)
    for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        for value in re.findall(rf"<{tag}\b[^>]*\b{attribute}=\"([^\"]+)\"", text):
            assert value.startswith("/"), (tag, value)


def test_landing_page_query_form_runs_at_query(client):
    text = client.get("/", headers=HTML).get_data(as_text=True)
    assert re.search(r'<form class="query-form" action="/query" method="get">', text)
    assert 'name="query"' in text


def test_the_query_form_shows_results_with_labels_and_local_links(client, snapshot):
    dataset = Graph().parse(snapshot.dump_path("all", "nt"), format="nt")
    positions = sorted(s for s in dataset.subjects(RDF.type, MR.PositionType))
    response = client.get("/query", query_string={"query": POSITION_QUERY}, headers=HTML)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f"{len(positions)} rows" in text
    first = positions[0]
    assert f'href="/id/{str(first)[len(ID_BASE) :]}"' in text
    english = [
        o
        for o in dataset.objects(first, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))
        if isinstance(o, Literal) and o.language == "en"
    ]
    assert str(english[0]) in text
    assert "/sparql?query=" in text


def test_a_bad_query_is_400_with_the_parsers_message_escaped(client):
    response = client.get("/query", query_string={"query": "SELECT <script> WHERE {"}, headers=HTML)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert 'role="alert"' in text


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("DROP ALL", 403),
        ("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }", 403),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 400),
    ],
)
def test_the_query_form_is_as_read_only_and_local_as_the_endpoint(client, query, status):
    """The statuses of /sparql: an update is forbidden (403), SERVICE a bad query (400)."""
    response = client.get("/query", query_string={"query": query}, headers=HTML)
    assert response.status_code == status
    assert response.status_code == client.get("/sparql", query_string={"query": query}).status_code
    assert 'role="alert"' in response.get_data(as_text=True)


def test_an_empty_query_form_offers_an_example(client):
    response = client.get("/query", headers=HTML)
    assert response.status_code == 200
    assert "mr:PositionType" in response.get_data(as_text=True)


@pytest.fixture
def queries_app(make_app, tmp_path: Path):
    (tmp_path / "position-types.rq").write_text(CANNED, encoding="utf-8")
    (tmp_path / "position-graph.rq").write_text(CANNED_CONSTRUCT, encoding="utf-8")
    return make_app(QUERIES_DIR=str(tmp_path)).test_client()


def test_the_query_list_shows_title_description_and_a_run_link(queries_app):
    text = queries_app.get("/queries", headers=HTML).get_data(as_text=True)
    assert "Position types" in text
    assert "Every position type of every system, ordered by IRI." in text
    assert 'href="http://localhost/queries/position-types"' in text
    assert "/sparql?query=" in text


@pytest.mark.parametrize(
    "how", [{"path": "/queries.json"}, {"headers": {"Accept": "application/json"}}]
)
def test_the_query_list_as_json_is_the_same_data(queries_app, how):
    response = queries_app.get(how.get("path", "/queries"), headers=how.get("headers"))
    assert response.mimetype == "application/json"
    data = response.get_json()
    names = {q["name"]: q for q in data["queries"]}
    assert set(names) == {"position-types", "position-graph"}
    assert names["position-types"]["text"] == CANNED
    assert names["position-types"]["parameters"] == []
    assert names["position-types"]["run_url"].startswith("http://localhost/sparql?query=")


def test_a_canned_query_page_shows_its_text_and_its_answer(queries_app, snapshot):
    response = queries_app.get("/queries/position-types", headers=HTML)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Every position type of every system" in text
    assert "SELECT ?position WHERE" in text
    assert '<table class="results-table">' in text
    assert 'href="/id/position-type/' in text


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"path": "/queries/position-types.csv"}, "text/csv"),
        ({"path": "/queries/position-types.json"}, "application/sparql-results+json"),
        ({"path": "/queries/position-types", "format": "tsv"}, "text/tab-separated-values"),
        ({"accept": "application/sparql-results+xml"}, "application/sparql-results+xml"),
        ({"accept": "application/sparql-results+json"}, "application/sparql-results+json"),
        ({"accept": "text/html"}, "text/html"),
        ({"path": "/queries/position-graph.ttl"}, "text/turtle"),
        (
            {"path": "/queries/position-graph", "accept": "application/n-triples"},
            "application/n-triples",
        ),
    ],
)
def test_a_canned_query_answers_in_machine_formats(queries_app, how, expected):
    path = how.get("path", "/queries/position-types")
    query = {"format": how["format"]} if "format" in how else {}
    headers = {"Accept": how["accept"]} if "accept" in how else {}
    response = queries_app.get(path, query_string=query, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.vary


def test_machine_answers_are_the_endpoints_answers(queries_app):
    canned = queries_app.get("/queries/position-types.json").get_json()
    direct = queries_app.get(
        "/sparql",
        query_string={"query": CANNED},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()
    assert canned == direct
    assert canned["results"]["bindings"]


def test_a_format_the_query_kind_lacks_is_406(queries_app):
    assert queries_app.get("/queries/position-graph.csv").status_code == 406
    assert queries_app.get("/queries/position-types.ttl").status_code == 406
    assert (
        queries_app.get("/queries/position-types", headers={"Accept": "image/png"}).status_code
        == 406
    )


def test_an_unknown_query_is_404_naming_the_known_ones(queries_app):
    response = queries_app.get("/queries/no-such-query")
    assert response.status_code == 404
    assert "position-types" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", load_queries(), ids=lambda q: q.name)
def test_every_shipped_query_has_a_page_that_runs_it(client, query):
    response = client.get(f"/queries/{query.name}", headers=HTML)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert 'role="alert"' not in text
    listed = client.get("/queries.json").get_json()["queries"]
    assert query.name in {q["name"] for q in listed}


# ---------------------------------------------------------------- /validate


def test_the_validate_page_has_an_upload_form(client):
    text = client.get("/validate", headers=HTML).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in text
    assert 'type="file"' in text


def _upload(client, content: bytes, filename: str = "data.ttl", **kwargs):
    from io import BytesIO

    data = {"file": (BytesIO(content), filename), **kwargs.pop("data", {})}
    return client.post("/validate", data=data, content_type="multipart/form-data", **kwargs)


def test_a_conforming_file_conforms(client):
    response = _upload(client, CONFORMING, "data.nt", headers={"Accept": "application/json"})
    assert response.status_code == 200
    report = response.get_json()
    assert report["conforms"] is True
    assert report["triples"] == 1


def test_a_nonconforming_file_gets_the_report_in_json(client):
    response = _upload(client, NONCONFORMING, headers={"Accept": "application/json"})
    assert response.status_code == 200
    report = json.loads(response.get_data(as_text=True))
    assert report["conforms"] is False
    focus = {group["focus"] for group in report["focus_nodes"]}
    assert f"{ID_BASE}position-type/test-unlabelled" in focus


def test_the_report_in_turtle_is_a_shacl_report(client):
    response = _upload(client, NONCONFORMING, data={"format": "ttl"})
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    report = next(graph.subjects(RDF.type, SH.ValidationReport))
    assert graph.value(report, SH.conforms) == Literal(False)
    focus = {graph.value(r, SH.focusNode) for r in graph.objects(report, SH.result)}
    assert URIRef(f"{ID_BASE}position-type/test-unlabelled") in focus


def test_the_report_in_html_escapes_what_the_upload_says(client):
    content = (
        NONCONFORMING + b'<http://example.org/x> <http://example.org/p> "<script>x</script>" .\n'
    )
    response = _upload(client, content, "<b>name</b>.ttl", headers=HTML)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Does not conform" in text
    assert "<b>name</b>" not in text
    assert "&lt;b&gt;name&lt;/b&gt;.ttl" in text


def test_the_body_itself_may_be_the_file(client):
    response = client.post(
        "/validate",
        data=CONFORMING,
        content_type="application/n-triples",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json()["conforms"] is True


def test_bad_syntax_is_400_with_the_file_and_line(client):
    response = _upload(client, b"@prefix ex: <http://example.org/> .\nex:a ex:b .\n", "mine.ttl")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "mine.ttl:2" in text
    assert "municipal-roles-upload" not in text


def test_relative_iris_of_an_upload_do_not_name_the_servers_folders(client):
    upload = f"@prefix mr: <{MR}> .\n<#unlabelled> a mr:PositionType .\n".encode()
    response = _upload(client, upload, "mine.ttl", headers={"Accept": "application/json"})
    assert response.status_code == 200
    (focus,) = [group["focus"] for group in response.get_json()["focus_nodes"]]
    assert focus.endswith("#unlabelled")
    assert "municipal-roles-upload" not in focus


def test_a_remote_jsonld_context_is_never_fetched(client):
    upload = b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://example.org/a"}'
    response = _upload(client, upload, "remote.jsonld")
    assert response.status_code == 400
    assert "never fetched" in response.get_data(as_text=True)


def test_rdfxml_with_entities_is_refused(client):
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""
    response = _upload(client, bomb, "bomb.rdf")
    assert response.status_code == 400
    assert "DTD" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": {}}, 400),
        ({"data": b"x", "content_type": "text/plain"}, 400),
    ],
)
def test_a_request_without_a_file_is_400(client, kwargs, status):
    assert client.post("/validate", **kwargs).status_code == status


def test_a_file_of_unknown_format_is_400(client):
    response = _upload(client, CONFORMING, "data.docx")
    assert response.status_code == 400
    assert "input_format" in response.get_data(as_text=True)


def test_an_oversized_upload_is_413(make_app):
    small = make_app(MAX_CONTENT_LENGTH=2000).test_client()
    response = _upload(small, b"#" * 5000 + b"\n" + CONFORMING, "big.ttl")
    assert response.status_code == 413
    assert "municipal-roles validate" in response.get_data(as_text=True)
