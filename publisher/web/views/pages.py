"""Pages for people: the landing page, the canned queries, and a query form that needs no JS.

As in Datasette, each page is one data dictionary rendered either as HTML or, for
machines, as JSON (``/queries``) or as the query's own results (``/queries/<name>``),
so the machine formats never drift from the page.
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from publisher.rdf.formats import GRAPH_FORMATS, HTML, JSON, RESULT_FORMATS, Format, by_name
from publisher.rdf.namespaces import MR, compact_iri
from publisher.store.canned import CannedQuery, load_queries
from publisher.store.query import (
    QueryError,
    QueryRequest,
    QueryTimeout,
    StoreUnavailable,
    UpdateRefused,
)
from publisher.web.http import error_response, error_status
from publisher.web.labels import preferred_languages
from publisher.web.negotiation import negotiate, not_acceptable
from publisher.web.publication import publication
from publisher.web.results import ResultsTable, run_table
from publisher.web.views.resources import bases

bp = Blueprint("pages", __name__)

LIST_FORMATS: tuple[Format, ...] = (HTML, JSON)
# A canned query's page answers in HTML, or in the formats /sparql gives for its kind.
QUERY_FORMATS: tuple[Format, ...] = (HTML, *RESULT_FORMATS, *GRAPH_FORMATS)

EXAMPLE_QUERY = f"""PREFIX mr: <{MR}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

# Position types, their systems and their labels in English and Turkish
SELECT ?position ?system ?en ?tr WHERE {{
  ?position a mr:PositionType .
  OPTIONAL {{ ?position mr:inSystem ?system }}
  OPTIONAL {{ ?position skos:prefLabel ?en FILTER(lang(?en) = "en") }}
  OPTIONAL {{ ?position skos:prefLabel ?tr FILTER(lang(?tr) = "tr") }}
}}
ORDER BY ?position
LIMIT 100
"""

POSITION_TYPES_QUERY = f"""SELECT ?position WHERE {{ ?position a <{MR.PositionType}> }}
ORDER BY ?position"""


@bp.app_context_processor
def snapshot_context() -> dict[str, Any]:
    """Every page names the snapshot it shows in its footer."""
    return {"snapshot_version": publication().snapshot.version}


def _run(text: str) -> ResultsTable:
    settings = publication().settings
    return run_table(
        publication().store,
        text,
        settings.query_timeout,
        settings.max_rows,
        bases(),
        preferred_languages(request.accept_languages),
    )


# Failures a page shows in its own HTML, with the status the error map gives them.
QUERY_ERRORS = (QueryError, UpdateRefused, QueryTimeout, StoreUnavailable)


def sparql_links(text: str, kind: str | None) -> list[tuple[Format, str]]:
    """Links that run a query at /sparql in each format its kind has."""
    formats = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    base = url_for("sparql.endpoint")
    return [(f, f"{base}?{urlencode({'query': text, 'format': f.name})}") for f in formats]


@bp.get("/")
def landing() -> str:
    """What the dataset is, how big, where to go next, and a query form."""
    manifest = publication().snapshot.manifest
    classes = list(manifest.instances_per_class.items())
    try:
        positions = sorted(
            (row[0] for row in _run(POSITION_TYPES_QUERY).rows if row[0]),
            key=lambda value: value.text.lower(),
        )
    except QUERY_ERRORS:
        positions = []
    return render_template(
        "landing.html",
        manifest=manifest,
        classes=[(compact_iri(iri), count) for iri, count in classes[:12]],
        positions=positions,
        example_query=EXAMPLE_QUERY,
        downloads=[
            (graph, ext, url_for("catalog.download", name=f"{graph}.{ext}"))
            for graph in ("all", "asserted", "inferred")
            for ext in ("ttl", "nt", "jsonld")
        ],
    )


@bp.get("/query")
def run_query() -> Response | str:
    """Run the form's query and show the answer as a table (no JavaScript needed)."""
    text = request.args.get("query", "").strip()
    if not text:
        return render_template("query_result.html", text=EXAMPLE_QUERY, table=None, links=[])
    try:
        table = _run(text)
    except QUERY_ERRORS as error:
        status, message = error_status(error)
        return Response(
            render_template("query_result.html", text=text, table=None, error=message, links=[]),
            status=status,
        )
    return render_template(
        "query_result.html", text=text, table=table, links=sparql_links(text, table.kind)
    )


def query_data(query: CannedQuery) -> dict[str, Any]:
    """One canned query as plain data: the same for its HTML row and its JSON."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "parameters": query.parameters,
        "text": query.text,
        "url": url_for("pages.canned_query", name=query.name, _external=True),
        "run_url": url_for("sparql.endpoint", query=query.text, _external=True),
    }


def canned_queries() -> list[CannedQuery]:
    """The queries of the folder in config ``QUERIES_DIR``, else the shipped queries/."""
    folder = publication().settings.queries_dir
    return load_queries(Path(folder) if folder else None)


def _find(name: str) -> CannedQuery | None:
    return next((q for q in canned_queries() if q.name == name), None)


@bp.get("/queries")
@bp.get("/queries.<ext>")
def query_list(ext: str | None = None) -> Response | str:
    """Every canned query with its title, description and text, as HTML or JSON."""
    fmt = _format(LIST_FORMATS, ext)
    if fmt is None:
        return not_acceptable(LIST_FORMATS, "the list of queries")
    data = {"queries": [query_data(q) for q in canned_queries()]}
    response = jsonify(data) if fmt is JSON else Response(render_template("queries.html", **data))
    response.vary.add("Accept")
    return response


def _format(formats: tuple[Format, ...], ext: str | None) -> Format | None:
    """The format a suffix, a ``format`` parameter or Accept asks for (an unknown suffix:
    None, so 406)."""
    return negotiate(formats, request.accept_mimetypes, ext or request.args.get("format"))


@bp.get("/queries/<name>")
@bp.get("/queries/<name>.<ext>")
def canned_query(name: str, ext: str | None = None) -> Response | str:
    """One canned query: its page with the answer, or the answer in a machine format."""
    query = _find(name)
    if query is None:
        known = ", ".join(q.name for q in canned_queries())
        return error_response(404, f"Not Found: no query named {name!r}; the queries are: {known}")
    fmt = _format(QUERY_FORMATS, ext)
    if fmt is None:
        return not_acceptable(QUERY_FORMATS, "a canned query")
    if fmt is HTML:
        return _canned_page(query)
    explicit = bool(ext or request.args.get("format"))
    accept = request.accept_mimetypes
    result_format = fmt if fmt in RESULT_FORMATS else None
    graph_format = fmt if fmt in GRAPH_FORMATS else None
    if not explicit:
        result_format = negotiate(RESULT_FORMATS, accept)
        graph_format = negotiate(GRAPH_FORMATS, accept)
    try:
        result = publication().store.query(
            QueryRequest(
                text=query.text,
                result_format=result_format.name if result_format else None,
                graph_format=graph_format.name if graph_format else None,
                max_rows=publication().settings.max_rows,
            ),
            publication().settings.query_timeout,
        )
    except QUERY_ERRORS as error:
        return error_response(*error_status(error))
    table = GRAPH_FORMATS if result.kind == "graph" else RESULT_FORMATS
    if result.format is None:
        return not_acceptable(table, f"the answer of {name}")
    answered = by_name(table, result.format)
    response = Response(result.body, content_type=answered.content_type)
    response.vary.add("Accept")
    return response


def _canned_page(query: CannedQuery) -> Response:
    status, error, table = 200, None, None
    try:
        table = _run(query.text)
    except QUERY_ERRORS as problem:
        status, error = error_status(problem)
    own_formats = GRAPH_FORMATS if table is not None and table.kind == "graph" else RESULT_FORMATS
    response = Response(
        render_template(
            "query.html",
            query=query_data(query),
            table=table,
            error=error,
            formats=[
                (f, url_for("pages.canned_query", name=query.name, ext=f.name)) for f in own_formats
            ],
        ),
        status=status,
    )
    response.vary.add("Accept")
    return response
