"""``/search`` (issue 17, item 6): the index the build writes beside the snapshot, and the
search box on every page finding things by label in any language, grouped by kind and
system, with Turkish-aware and accent-insensitive matching."""

import json

import pytest
from flask.testing import FlaskClient

from publisher.build.search_index import SEARCH_INDEX_FILE
from publisher.build.snapshot import Snapshot

ID = "https://w3id.org/municipal-roles/id/"
HTML = {"Accept": "text/html"}


def _search(client: FlaskClient, q: str, **args: str) -> dict:
    response = client.get("/search.json", query_string={"q": q, **args})
    assert response.status_code == 200, response.data
    return response.get_json()


def _found(data: dict) -> set[str]:
    return {hit["iri"] for group in data["groups"] for hit in group["results"]}


def test_the_build_writes_the_index_beside_the_snapshot(snapshot: Snapshot):
    path = snapshot.path / SEARCH_INDEX_FILE
    assert SEARCH_INDEX_FILE in snapshot.manifest.files
    index = json.loads(path.read_text(encoding="utf-8"))
    kinds = {entry["kind"] for entry in index["entries"]}
    assert kinds == {"position-type", "post", "organization", "duty", "source"}
    manager = next(e for e in index["entries"] if e["iri"] == ID + "position-type/us-city-manager")
    assert ["Şehir Yöneticisi", "tr", "sehir yoneticisi"] in manager["labels"]
    assert manager["systems"] == [ID + "system/us-council-manager"]
    assert index["systems"][ID + "system/tr-belediye"]


@pytest.mark.parametrize("typed", ["İdari", "idari", "IDARI", "İDARİ", "ıdari"])
def test_dotted_and_dotless_i_and_case_find_the_same(client, typed):
    data = _search(client, typed)
    assert ID + "position-type/us-chief-administrative-officer" in _found(data)
    assert data["folded"] == "idari"


@pytest.mark.parametrize("typed", ["baskani", "BAŞKANI", "Başkanı", "başkani"])
def test_accents_do_not_matter(client, typed):
    assert ID + "position-type/tr-belediye-baskani" in _found(_search(client, typed))


def test_results_are_grouped_by_kind_then_system(client):
    data = _search(client, "genel sekreter")
    kinds = [group["kind"] for group in data["groups"]]
    assert kinds == sorted(
        kinds, key=["position-type", "post", "organization", "duty", "source"].index
    )
    position_groups = {
        group["system"]["iri"]: {hit["iri"] for hit in group["results"]}
        for group in data["groups"]
        if group["kind"] == "position-type"
    }
    # Both genel sekreter types are in the metropolitan system only (Law 5393 gives an
    # ordinary belediye none: data/ scopes seed 004's one to the büyükşehir system).
    metropolitan = position_groups[ID + "system/tr-buyuksehir"]
    assert ID + "position-type/tr-genel-sekreter" in metropolitan
    assert ID + "position-type/tr-bb-genel-sekreter" in metropolitan
    assert not position_groups.get(ID + "system/tr-belediye", set()) & {
        ID + "position-type/tr-genel-sekreter",
        ID + "position-type/tr-bb-genel-sekreter",
    }
    # Sources belong to no system; they come last.
    assert data["groups"][-1]["kind"] == "source" and data["groups"][-1]["system"] is None


def test_a_hit_is_named_in_the_page_language_and_says_which_label_matched(client):
    english = _search(client, "sehir yoneticisi")
    hit = next(
        h for g in english["groups"] for h in g["results"] if h["iri"].endswith("/us-city-manager")
    )
    assert hit["text"] == "City Manager"
    assert hit["matched"] == {"text": "Şehir Yöneticisi", "lang": "tr"}
    turkish = _search(client, "city manager", lang="tr")
    hit = next(
        h for g in turkish["groups"] for h in g["results"] if h["iri"].endswith("/us-city-manager")
    )
    assert hit["text"] == "Şehir Yöneticisi"


def test_the_best_match_comes_first(client):
    data = _search(client, "city manager")
    first = next(g for g in data["groups"] if g["kind"] == "position-type")["results"][0]
    assert first["iri"] == ID + "position-type/us-city-manager"


def test_the_page_lists_the_hits_with_links(client):
    response = client.get("/search?q=Şehir+Yöneticisi&lang=tr", headers=HTML)
    assert response.status_code == 200
    body = response.data.decode()
    assert '<html lang="tr">' in body
    assert 'href="/id/position-type/us-city-manager"' in body
    assert "Görev türleri" in body
    assert 'value="Şehir Yöneticisi"' in body


@pytest.mark.parametrize(
    ("q", "says"),
    [("", "at least one letter"), ("–!?", "at least one letter"), ("x" * 201, "at most 200")],
)
def test_an_empty_or_too_long_search_is_400_with_the_form(client, q, says):
    page = client.get("/search", query_string={"q": q}, headers=HTML)
    assert page.status_code == 400
    assert says in page.data.decode()
    assert b'id="search-q"' in page.data
    machine = client.get("/search.json", query_string={"q": q})
    assert machine.status_code == 400
    assert says in machine.data.decode()


def test_every_page_has_the_search_box(client):
    for path in ("/", "/queries", "/id/position-type/us-city-manager", "/compare"):
        body = client.get(path, headers=HTML).data.decode()
        assert 'role="search"' in body and 'action="/search"' in body, path
