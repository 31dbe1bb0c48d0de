"""A server whose snapshot was removed from under it says so on every route (issue 13):
503 naming the snapshot and the reload, never a 404, a 500 or a "memory limit"."""

import shutil
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from publisher.build.snapshot import current_snapshot

# One URL of every route of the app (a test below checks that none is missing).
URLS = {
    "/static/<path:filename>": "/static/style.css",
    "/sparql": "/sparql?query=ASK%20%7B%7D",
    "/id/<path:path>": "/id/system/test",
    "/ontology.<ext>": "/ontology.ttl",
    "/ontology": "/ontology",
    "/.well-known/void.<ext>": "/.well-known/void.ttl",
    "/.well-known/void": "/.well-known/void",
    "/catalog.<ext>": "/catalog.ttl",
    "/catalog": "/catalog",
    "/download/<name>": "/download/all.ttl",
    "/": "/",
    "/query": "/query?query=ASK%20%7B%7D",
    "/queries.<ext>": "/queries.json",
    "/queries": "/queries",
    "/queries/<name>.<ext>": "/queries/alignments.csv",
    "/queries/<name>": "/queries/alignments",
    "/validate": "/validate",
    "/compare": "/compare?a=us-city-manager&b=tr-bb-genel-sekreter",
    "/compare.<ext>": "/compare.json?a=us-city-manager&b=tr-bb-genel-sekreter",
    "/search": "/search?q=genel",
    "/search.<ext>": "/search.json?q=genel",
}


def test_every_route_says_the_snapshot_is_gone_and_to_reload(
    home: Path, make_app: Callable[..., Flask]
) -> None:
    app = make_app(HOME=home)
    client = app.test_client()
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    assert routes == URLS.keys(), "a route without a URL in URLS"
    assert client.get(URLS["/download/<name>"]).status_code == 200  # served while present
    snapshot = current_snapshot(home)
    assert snapshot is not None
    shutil.rmtree(snapshot.path)  # as a prune, or an operator, would
    for rule, url in URLS.items():
        for method in ("GET", "POST") if rule in ("/sparql", "/query", "/validate") else ("GET",):
            response = client.open(url, method=method)
            assert response.status_code == 503, (method, url, response.status_code)
            text = response.get_data(as_text=True)
            assert f"the snapshot {snapshot.version} this server serves is gone" in text, url
            assert "reload the server (SIGHUP)" in text
            assert response.headers["Retry-After"]
