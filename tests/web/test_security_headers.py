"""Every page, error pages included, tells the browser to run no inline script, never to be
framed, not to sniff types and not to leak query URLs to other sites (issue 13, item 8).

Scripts: this server's own files only (``script-src 'self'``: the query pages' editor,
issue 17 item 2), never an inline script; pages other than the query pages load none."""

import base64
import hashlib
import re

import pytest
from flask.testing import FlaskClient

from publisher.rdf.namespaces import ID_BASE, MR

HTML = {"Accept": "text/html"}
FIRST_POSITION = f"SELECT ?p WHERE {{ ?p a <{MR.PositionType}> }} ORDER BY ?p LIMIT 1"


def _position_page(client: FlaskClient) -> str:
    answer = client.get(
        "/sparql",
        query_string={"query": FIRST_POSITION},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()
    iri = answer["results"]["bindings"][0]["p"]["value"]
    assert iri.startswith(ID_BASE)
    return "/id/" + iri[len(ID_BASE) :]


PAGES = {
    "landing": lambda c: "/",
    "query list": lambda c: "/queries",
    "canned query": lambda c: "/queries/position-types-by-system",
    "query form": lambda c: "/query?query=ASK%20%7B%7D",
    "sparql page": lambda c: "/sparql",
    "resource": _position_page,
    "ontology": lambda c: "/ontology",
    "catalog": lambda c: "/catalog",
    "void": lambda c: "/.well-known/void",
    "validate": lambda c: "/validate",
    "not found": lambda c: "/id/no-such-thing",
    "unknown route": lambda c: "/no/such/route",
}


# Pages that load static/editor/editor.js (CodeMirror) and only that.
SCRIPTED = {"query form", "sparql page"}


def _directives(policy: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


@pytest.mark.parametrize("page", PAGES)
def test_every_page_carries_the_security_headers(client, page):
    response = client.get(PAGES[page](client), headers=HTML)
    assert response.status_code in (200, 404), response.status_code
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'none'"
    # This server's script files only: no inline script, no eval, no other origin.
    assert policy["script-src"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("page", [p for p in PAGES if p != "ontology"])
def test_pages_hold_nothing_inline_that_the_policy_would_block(client, page):
    """The policy forbids inline script and style: the pages must not need them."""
    text = client.get(PAGES[page](client), headers=HTML).get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", text)
    if page in SCRIPTED:
        # The editor from this server, and its data block, which no browser runs.
        assert scripts == [
            '<script src="/static/editor/editor.js" defer>',
            '<script type="application/json" id="editor-data">',
        ]
    else:
        assert scripts == []
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+=", text)


def test_the_ontology_page_keeps_its_own_styles_and_no_script(client):
    """pyLODE's page styles itself inline: those styles, and only those, are allowed by hash."""
    response = client.get("/ontology", headers=HTML)
    text = response.get_data()
    policy = _directives(response.headers["Content-Security-Policy"])
    styles = re.findall(rb"<style\b[^>]*>(.*?)</style>", text, re.DOTALL)
    assert styles
    allowed = policy["style-src"].split()
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css).digest()).decode()
        assert f"'sha256-{digest}'" in allowed
    assert len(allowed) == len(styles) + 1  # 'self' and the hashes: no 'unsafe-inline'
    # Its one <script> is JSON-LD data, which no policy runs; nothing else is a script.
    assert re.findall(rb"<script\b[^>]*>", text) == [
        b'<script id="schema.org" type="application/ld+json">'
    ]
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'none'"
