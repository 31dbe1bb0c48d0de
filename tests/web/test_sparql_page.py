"""``/sparql`` in a browser is the query page; machine clients keep the protocol (issue 17,
items 1 and 2). The browser's own view of the page is in test_browser.py."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import publisher.web

# What Chromium and Firefox send for a page they navigate to.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SELECT = "SELECT ?s WHERE { ?s a <http://www.w3.org/2002/07/owl#Ontology> }"
STATIC = Path(publisher.web.__file__).parent / "static" / "editor"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _hrefs(text: str) -> list[str]:
    parser = _Links()
    parser.feed(text)
    return parser.hrefs


def test_a_browser_gets_the_query_page_with_an_example(client):
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.vary
    text = response.get_data(as_text=True)
    assert '<textarea id="query" name="query"' in text
    assert "mr:PositionType" in text
    # The service description in every graph format, one click away.
    for name in ("turtle", "ntriples", "jsonld", "rdfxml"):
        assert f'href="/sparql?format={name}"' in text


def test_a_browser_gets_the_answer_as_a_table_with_every_results_format(client):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'class="results-table"' in text
    assert "1 row." in text
    formats = {
        re.search(r"format=(\w+)", href).group(1)
        for href in _hrefs(text)
        # (the language switch links to this page in the other language, not to a format)
        if href.startswith("/sparql?query=") and "lang=" not in href
    }
    assert formats == {"json", "xml", "csv", "tsv"}


def test_a_browser_posting_the_form_gets_the_page(client):
    response = client.post("/sparql", data={"query": SELECT}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert 'class="results-table"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/rdf+xml, text/html;q=0.5", "application/rdf+xml"),
        ("application/xml", "application/rdf+xml"),
    ],
)
def test_machines_still_get_the_service_description(client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    assert client.get("/sparql", headers=headers).mimetype == expected


@pytest.mark.parametrize(
    ("accept", "query_string", "expected"),
    [
        ("*/*", {"query": SELECT}, "application/sparql-results+json"),
        ("application/sparql-results+json", {"query": SELECT}, "application/sparql-results+json"),
        # A format parameter wins over a browser's Accept: the page's download links.
        (BROWSER, {"query": SELECT, "format": "csv"}, "text/csv"),
    ],
)
def test_machines_still_get_the_protocols_answer(client, accept, query_string, expected):
    response = client.get("/sparql", query_string=query_string, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == expected


def test_a_syntax_error_is_marked_where_the_parser_says(client):
    """The alert carries the line and column of the parser's message, for the editor."""
    query = "SELECT ?s WHERE {\n  ?s ?p\n}"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    alert = re.search(
        r'<p class="error syntax" role="alert" data-line="(\d+)" data-column="(\d+)">([^<]*)', text
    )
    assert alert is not None
    line, column, message = alert.groups()
    assert line == "3"
    assert f"error at {line}:{column}:" in message


def test_the_guards_place_is_marked_too(client):
    query = 'SELECT ?x WHERE {\n  BIND("\\U0011FFFF" AS ?x)\n}'
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert re.search(r'role="alert" data-line="2" data-column="9">line 2, column 9:', text)


def test_an_update_from_a_browser_is_refused_on_the_page(client):
    response = client.get(
        "/sparql", query_string={"update": "DROP ALL"}, headers={"Accept": BROWSER}
    )
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert 'role="alert"' in text
    assert "read-only" in text


def test_the_page_gives_the_editor_the_prefixes_and_the_canned_queries(client):
    text = client.get("/sparql", headers={"Accept": BROWSER}).get_data(as_text=True)
    block = re.search(
        r'<script type="application/json" id="editor-data">(.*?)</script>', text, re.S
    )
    assert block is not None
    data = json.loads(block.group(1))
    assert data["prefixes"]["mr"] == "https://w3id.org/municipal-roles/ontology#"
    assert {"pay", "chain-of-command"} <= {e["name"] for e in data["examples"]}


@pytest.mark.parametrize("page", ["/", "/queries", "/queries/pay", "/catalog"])
def test_every_link_to_the_endpoint_opens_the_page(client, page):
    text = client.get(page, headers={"Accept": BROWSER}).get_data(as_text=True)
    links = [h for h in _hrefs(text) if re.match(r"(http://localhost)?/sparql($|\?query=)", h)]
    assert links, page
    for href in links:
        response = client.get(href, headers={"Accept": BROWSER})
        assert response.status_code == 200, href
        assert response.mimetype == "text/html", href
        assert "Content-Disposition" not in response.headers, href


def test_the_editor_ships_in_the_package_with_its_licences(client):
    """Built from editor/ (npm run build) and committed: no CDN, no npm at run time."""
    assert (STATIC / "editor.js").stat().st_size > 100_000
    licences = (STATIC / "THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")
    assert "@codemirror/view" in licences and "MIT" in licences
    response = client.get("/static/editor/editor.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
