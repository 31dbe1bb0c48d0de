"""Dereferencing: ``/id/...`` answers for the dataset's IRIs, ``/ontology`` for the ontology.

One view per IRI space serves every representation by content negotiation: Turtle,
N-Triples, JSON-LD and RDF/XML from one description graph, and an HTML page built from
the same store for people, with labels in the reader's language.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, send_file, url_for
from markupsafe import Markup
from rdflib import Graph

from publisher.build.ontology_docs import DOCUMENT_END, DOCUMENT_START
from publisher.build.snapshot import HTML_LANGUAGES
from publisher.rdf.formats import HTML, RDFXML, TURTLE, Format
from publisher.rdf.namespaces import ONTOLOGY_IRI, PREFIXES
from publisher.rdf.terms import oxigraph_triple
from publisher.web.charts import org_chart
from publisher.web.description import PageBuilder, describe, iri_term, page_graph
from publisher.web.http import error_response, policy_allowing_inline_styles
from publisher.web.labels import Bases
from publisher.web.language import label_languages, page_language
from publisher.web.negotiation import (
    PAGE_FORMATS,
    alternate_links,
    choose_format,
    not_acceptable,
    split_suffix,
)
from publisher.web.publication import publication

bp = Blueprint("linked_data", __name__)

_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_STYLE_TEXT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
# pyLODE's schema.org description of the ontology: data, which no browser runs.
_DATA_SCRIPT = re.compile(
    r'<script id="schema.org" type="application/ld\+json">.*?</script>', re.DOTALL
)

# What a kind of resource looks like (``position-type``); only such a kind goes in a query.
# Used with fullmatch: "$" would also accept a kind followed by a newline.
_KIND = re.compile(r"[a-z0-9][a-z0-9-]*")


def id_base() -> str:
    """The IRI prefix ``/id/`` answers for (config ``ID_BASE``, DESIGN §2 by default)."""
    return publication().settings.id_base


def bases() -> Bases:
    """This server's IRI spaces and the local paths that serve them."""
    return Bases(
        id_base=id_base(),
        id_path=request.script_root + "/id/",
        ontology_iri=str(ONTOLOGY_IRI),
        ontology_path=request.script_root + "/ontology",
    )


def serialize_graph(
    graph: Graph, fmt: Format, first: str | None = None, prefixes: dict[str, str] = PREFIXES
) -> Response:
    """A graph in one RDF format, with the project's prefixes where the format has them.

    Triples are sorted, ``first``'s own ahead, so that Turtle writes one block per subject.
    """
    triples = sorted(graph, key=lambda t: (str(t[0]) != first, t[0], t[1], t[2]))
    body = ox.serialize(
        [oxigraph_triple(*triple) for triple in triples],
        format=fmt.rdf_format,
        prefixes=prefixes if fmt in (TURTLE, RDFXML) else None,
    )
    return Response(body, content_type=fmt.content_type)


@bp.get("/id/<path:path>")
def resource(path: str) -> Response:
    """The resource ``{ID_BASE}{path}``: HTML for browsers, RDF for machines."""
    path, suffix = split_suffix(path, PAGE_FORMATS)
    fmt = choose_format(PAGE_FORMATS, suffix)
    if fmt is None:
        return not_acceptable(PAGE_FORMATS, "a resource", suffixes=True)
    iri = id_base() + path
    settings = publication().settings
    store = publication().store
    timeout, max_rows = settings.query_timeout, settings.max_rows
    try:
        iri_term(iri)
    except ValueError:
        return _not_found(iri, path)  # not a valid IRI, so nothing the dataset can hold
    graph = (page_graph if fmt is HTML else describe)(store, iri, timeout, max_rows)
    if not len(graph):
        return _not_found(iri, path)
    if fmt is not HTML:
        response = serialize_graph(graph, fmt, iri)
    else:
        builder = PageBuilder(graph, bases(), label_languages())
        response = Response(
            render_template(
                "resource.html",
                page=builder.page(iri),
                chart=org_chart(iri, bases()),
                alternates=[
                    (f, url_for("linked_data.resource", path=f"{path}.{f.extension}"))
                    for f in PAGE_FORMATS[:-1]
                ],
            )
        )
        response.headers["Link"] = alternate_links(
            lambda f: url_for("linked_data.resource", path=f"{path}.{f.extension}"),
            PAGE_FORMATS[:-1],
        )
    response.vary.add("Accept")
    return response


def _not_found(iri: str, path: str) -> Response:
    """A 404 page that says what IRIs look like and lists the resources of the same kind."""
    kind = path.split("/", 1)[0]
    kind_query = None
    if _KIND.fullmatch(kind):
        kind_query = (
            "SELECT DISTINCT ?resource WHERE { ?resource ?p ?o "
            f'FILTER(STRSTARTS(STR(?resource), "{id_base()}{kind}/")) }} ORDER BY ?resource'
        )
    response = Response(
        render_template("not_found.html", iri=iri, kind=kind, kind_query=kind_query), status=404
    )
    response.vary.add("Accept")
    return response


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology: its pyLODE documentation for browsers, RDF for machines."""
    suffix = None
    if ext is not None:
        suffix = next((f for f in PAGE_FORMATS if f.extension == ext), None)
        if suffix is None:
            return error_response(
                404,
                f"no ontology document .{ext}; try "
                + ", ".join(f".{f.extension}" for f in PAGE_FORMATS),
            )
    fmt = choose_format(PAGE_FORMATS, suffix)
    if fmt is None:
        return not_acceptable(PAGE_FORMATS, "the ontology", suffixes=True)
    language = page_language() if page_language() in HTML_LANGUAGES else HTML_LANGUAGES[0]
    document = publication().snapshot.ontology_document(fmt, language)
    if document is None:
        return error_response(
            404,
            f"this snapshot has no ontology document in {fmt.label}; "
            "rebuild it with 'municipal-roles build'",
        )
    if fmt is HTML:
        alternates = [
            (f, url_for("linked_data.ontology", ext=f.extension)) for f in PAGE_FORMATS[:-1]
        ]
        page = render_template(
            "ontology.html", document=ontology_parts(document), alternates=alternates
        )
        response = Response(page)
        response.headers["Content-Security-Policy"] = policy_allowing_inline_styles(document)
        response.headers["Link"] = alternate_links(
            lambda f: url_for("linked_data.ontology", ext=f.extension), PAGE_FORMATS[:-1]
        )
    else:
        response = send_file(document, mimetype=fmt.media_type, conditional=False)
        response.content_type = fmt.content_type
    response.vary.add("Accept")
    return response


@dataclass(frozen=True)
class OntologyParts:
    """What the site's frame takes from pyLODE's page: its title, styles, body and data."""

    title: str
    styles: list[Markup]
    body: Markup
    data: Markup


@functools.lru_cache(maxsize=8)
def ontology_parts(document: Path) -> OntologyParts:
    """The parts of a snapshot's ontology page (ontology_docs._for_the_site_frame wrote
    them): the styles verbatim, so that their hashes in the policy still match. Cached
    per file: a snapshot's files never change."""
    html = document.read_text(encoding="utf-8")
    start, end = html.find(DOCUMENT_START), html.find(DOCUMENT_END)
    title = _TITLE.search(html)
    # Markup: pyLODE's own HTML from the build, not the reader's input.
    return OntologyParts(
        title=title[1].strip() if title else "",
        styles=[Markup(css) for css in _STYLE_TEXT.findall(html)],
        body=Markup(html[start : end + len(DOCUMENT_END)] if start >= 0 <= end else ""),
        data=Markup("".join(_DATA_SCRIPT.findall(html))),
    )
