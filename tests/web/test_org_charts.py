"""Org charts (issue 17, item 4): laid out by dot at build time, one box per post linking to
its page, the reporting lines also as a text list, the reference charts on the home page.

The organizations, posts and lines expected are read from the snapshot's own dump, so the
tests follow the data as it grows.
"""

import logging
import xml.etree.ElementTree as ET
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from rdflib import ORG, Graph, URIRef

from publisher.build.org_charts import (
    Box,
    Chart,
    chart_documents,
    data_file,
    read_index,
    render_svg,
    svg_file,
)
from publisher.build.snapshot import HTML_LANGUAGES, Snapshot
from publisher.rdf.namespaces import ID_BASE

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@pytest.fixture(scope="module")
def dataset(snapshot: Snapshot) -> Graph:
    return Graph().parse(snapshot.dump_path("all", "nt"), format="nt")


@pytest.fixture(scope="module")
def posts_by_organization(dataset: Graph) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for post, organization in dataset.subject_objects(ORG.postIn):
        found[str(organization)].add(str(post))
    assert found, "the shipped data has posts in organizations"
    return found


def _links(svg_text: str) -> list[str]:
    root = ET.fromstring(svg_text)
    return [a.get(XLINK_HREF, "") for a in root.iter(f"{SVG}a")]


def test_the_build_draws_every_organization_with_posts_in_each_language(
    snapshot, posts_by_organization
):
    for organization, posts in posts_by_organization.items():
        for language in HTML_LANGUAGES:
            svg = (snapshot.path / svg_file(organization, language)).read_text(encoding="utf-8")
            links = _links(svg)
            # One box per post, each linking to its IRI (the server makes it local).
            assert posts <= set(links), organization
            assert len(links) == len(set(links))
            assert "<script" not in svg
        assert (snapshot.path / data_file(organization)).is_file()
    indexed = {entry["iri"] for entry in read_index(snapshot.path)}
    assert indexed == set(posts_by_organization)


def _page_links(html: str) -> dict[str, list[str]]:
    """The hrefs of a page by where they sit: in the chart's SVG or in the text list."""

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.where: list[str] = []
            self.found: dict[str, list[str]] = defaultdict(list)

        def handle_starttag(self, tag, attrs):
            values = dict(attrs)
            if tag in ("svg", "ul") and (tag == "svg" or values.get("class") == "reporting-lines"):
                self.where.append(tag)
            if tag == "a" and self.where:
                href = values.get("xlink:href") or values.get("href")
                self.found[self.where[-1]].append(href or "")

        def handle_endtag(self, tag):
            if self.where and tag == self.where[-1]:
                self.where.pop()

    parser = Links()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("language", HTML_LANGUAGES)
def test_an_organizations_page_shows_its_chart_with_local_links_and_the_list(
    client, posts_by_organization, dataset, language
):
    organization = max(posts_by_organization, key=lambda o: len(posts_by_organization[o]))
    posts = posts_by_organization[organization]
    path = "/id/" + organization[len(ID_BASE) :]
    page = client.get(f"{path}?lang={language}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = _page_links(html)
    local_posts = {"/id/" + p[len(ID_BASE) :] for p in posts}
    assert local_posts <= set(links["svg"])
    # The text list: every post, with each line it has.
    listed = set(links["ul"])
    assert local_posts <= listed
    for post in posts:
        for superior in dataset.objects(URIRef(post), ORG.reportsTo):
            assert "/id/" + str(superior)[len(ID_BASE) :] in listed
    # The page's other list of posts stays (Linked from → org:postIn).
    assert html.count('href="/id/post/') > 2 * len(posts)
    for href in set(links["svg"]):
        assert client.get(href, headers={"Accept": "text/html"}).status_code == 200, href


def test_the_home_page_shows_the_charts_of_the_reference_organizations(client, snapshot):
    references = [e for e in read_index(snapshot.path) if e["reference"]]
    assert references
    html = client.get("/").get_data(as_text=True)
    assert html.count("<svg") == len(references)
    for entry in references:
        assert entry["labels"]["en"] in html


def test_labels_cannot_break_out_of_dot_or_the_svg():
    hostile = 'x" ]; n9 [label="injected"]; \\N <script>alert(1)</script> & ]]>'
    chart = Chart(
        iri="https://example.org/organization/o",
        labels={lang: hostile for lang in HTML_LANGUAGES},
        reference=False,
        boxes=[
            Box("https://example.org/post/a", "post", {"en": hostile, "tr": "a"}),
            Box('https://example.org/post/b"><script>', "post", {"en": "b", "tr": "b"}),
        ],
        lines=[("https://example.org/post/a", 'https://example.org/post/b"><script>')],
    )
    svg = render_svg(chart, "en")
    root = ET.fromstring(svg)  # well-formed XML
    assert not list(root.iter(f"{SVG}script"))
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "injected" in texts and "<script>alert(1)</script>" in texts
    assert "\\N" in texts  # dot's escape for the node name, kept as typed
    assert len(list(root.iter(f"{SVG}a"))) == 2


def test_without_dot_the_charts_are_left_out_with_a_warning(dataset, monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    with caplog.at_level(logging.WARNING):
        assert chart_documents(dataset) == {}
    assert "Graphviz's dot is not installed" in caplog.text
