"""Pages for people: the landing page, the canned queries, and the query page.

The query page (``/query``, and ``/sparql`` for a browser) is a plain form that needs no
JavaScript; with it, ``static/editor/editor.js`` (CodeMirror 6, built from ``editor/``)
turns the form into an editor and the results into a sortable table.

As in Datasette, each page is one data dictionary rendered either as HTML or, for
machines, as JSON (``/queries``) or as the query's own results (``/queries/<name>``),
so the machine formats never drift from the page.
"""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from publisher.rdf.formats import GRAPH_FORMATS, HTML, JSON, RESULT_FORMATS, Format
from publisher.rdf.namespaces import MR, PREFIXES, compact_iri
from publisher.store.canned import (
    XSD_STRING,
    CannedQuery,
    Parameter,
    ParameterError,
    load_queries,
)
from publisher.store.query import Kind, QueryRequest, QueryResult
from publisher.web.answers import (
    accepted_formats,
    answer,
    answer_headers,
    formats_of,
    query_request,
    run,
)
from publisher.web.charts import reference_charts
from publisher.web.http import (
    MAPPED_ERRORS,
    ProtocolError,
    error_response,
    error_status,
)
from publisher.web.language import label_languages, page_language
from publisher.web.negotiation import negotiate, not_acceptable
from publisher.web.publication import publication
from publisher.web.results import TABLE_FORMATS, ResultsTable, results_table
from publisher.web.views.compare import home_pairs
from publisher.web.views.resources import bases, id_base

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

# Where the store's and the guard's messages say a syntax error is: "error at 3:16" (the
# engine's parser) or "line 3, column 16" (the guard).
_ERROR_PLACE = re.compile(r"error at (\d+):(\d+)|line (\d+), column (\d+)")

POSITION_TYPES_QUERY = f"""SELECT ?position WHERE {{ ?position a <{MR.PositionType}> }}
ORDER BY ?position"""


@bp.app_context_processor
def snapshot_context() -> dict[str, Any]:
    """Every page names the snapshot it shows in its footer."""
    return {"snapshot_version": publication().snapshot.version}


def table_request(text: str) -> QueryRequest:
    """The request of a page that shows the answer as a table: the caps of /sparql."""
    return query_request(text, *TABLE_FORMATS)


def run_table(query: QueryRequest) -> tuple[QueryResult, ResultsTable]:
    """Run a page's query and shape the answer as a table (raises the store's errors,
    which a page shows in its own HTML with the status ``error_status`` gives them)."""
    settings = publication().settings
    result = run(query)
    table = results_table(
        result,
        publication().store,
        settings.query_timeout,
        settings.max_rows,
        bases(),
        label_languages(),
    )
    return result, table


def sparql_links(text: str, kind: Kind) -> list[tuple[Format, str]]:
    """Links that run a query at /sparql in each format its kind has."""
    formats = formats_of(kind)
    base = url_for("sparql.endpoint")
    return [(f, f"{base}?{urlencode({'query': text, 'format': f.name})}") for f in formats]


@bp.get("/")
def landing() -> str:
    """What the dataset is, how big, where to go next, and a query form."""
    manifest = publication().snapshot.manifest
    classes = list(manifest.instances_per_class.items())
    try:
        _columns, table = run_table(table_request(POSITION_TYPES_QUERY))
        positions = sorted(
            (row[0] for row in table.rows if row[0]), key=lambda value: value.text.lower()
        )
    except MAPPED_ERRORS:
        positions = []
    try:
        pairs = home_pairs()
    except MAPPED_ERRORS:
        pairs = []
    return render_template(
        "landing.html",
        manifest=manifest,
        classes=[(compact_iri(iri), count) for iri, count in classes[:12]],
        positions=positions,
        charts=reference_charts(bases()),
        pairs=pairs,
        example_query=EXAMPLE_QUERY,
        downloads=[
            (graph, ext, url_for("catalog.download", name=f"{graph}.{ext}"))
            for graph in ("all", "asserted", "inferred")
            for ext in ("ttl", "nt", "jsonld")
        ],
    )


@bp.route("/query", methods=["GET", "POST"])
def run_query() -> Response:
    """Run the form's query and show the answer as a table (no JavaScript needed); POST
    (form field ``query``) takes queries too long for a URL."""
    text = (request.form if request.method == "POST" else request.args).get("query", "")
    return query_page(text)


def error_place(message: str) -> tuple[int, int] | None:
    """The line and column a syntax error's message names, for the editor to mark."""
    match = _ERROR_PLACE.search(message)
    if match is None:
        return None
    numbers = [int(n) for n in match.groups() if n is not None]
    return numbers[0], numbers[1]


def editor_data() -> dict[str, Any]:
    """What the editor completes and offers: the dataset's prefixes (the endpoint also
    knows them undeclared) and the canned queries as examples."""
    return {
        "prefixes": PREFIXES,
        "examples": [
            {"name": q.name, "title": q.title_in(page_language()), "text": q.text}
            for q in canned_queries()
        ],
    }


def query_page(text: str | None, refused: ProtocolError | None = None) -> Response:
    """The query page: the editor with ``text`` (an example when empty), and its answer as
    a table with links to every format, or the error marked where the parser found it.
    ``refused``: the request was refused before running (an update: 403)."""
    text = (text or "").strip()
    context: dict[str, Any] = {
        "text": text or EXAMPLE_QUERY,
        "table": None,
        "links": [],
        "error": None,
        "place": None,
        "editor_data": editor_data(),
        "descriptions": [(f, url_for("sparql.endpoint", format=f.name)) for f in GRAPH_FORMATS],
    }
    status, query, result = 200, None, None
    if refused is not None:
        status, context["error"] = error_status(refused)
    elif text:
        query = table_request(text)
        try:
            result, context["table"] = run_table(query)
            context["links"] = sparql_links(text, result.kind)
        except MAPPED_ERRORS as error:
            status, context["error"] = error_status(error)
            context["place"] = error_place(context["error"])
    response = Response(render_template("query_result.html", **context), status=status)
    response.vary.add("Accept")
    if query is None or result is None:
        return response
    return answer_headers(response, query, result)


def query_data(query: CannedQuery, values: dict[str, str] | None = None) -> dict[str, Any]:
    """One canned query as plain data: the same for its HTML row and its JSON, its title
    and description in the page's language (every language's in ``titles`` and
    ``descriptions``). ``values``: the parameters set (already checked by ``bound_text``),
    which its links keep."""
    values = values or {}
    text = query.bind(values, id_base())
    lang = page_language()
    return {
        "name": query.name,
        "language": lang if lang in query.titles else "en",
        "title": query.title_in(lang),
        "description": query.description_in(lang),
        "titles": query.titles,
        "descriptions": query.descriptions,
        "parameters": query.parameters,
        "variables": [
            {
                "name": v.name,
                "type": v.kind,
                "type_label": _kind_label(v),
                "description": v.description_in(lang),
                "description_language": lang if lang in v.descriptions else "en",
                "default": v.default_text,
                "value": values.get(v.name, ""),
            }
            for v in query.variables
        ],
        "text": text,
        "url": _with_values(url_for("pages.canned_query", name=query.name, _external=True), values),
        "run_url": url_for("sparql.endpoint", query=text, _external=True),
    }


def _kind_label(parameter: Parameter) -> str:
    """A parameter's kind for the reader, read from its default term: text (in a language)
    in the page language; an IRI or a datatype (xsd:integer) named as it is written."""
    default = parameter.default
    if isinstance(default, ox.Literal) and default.language:
        return str(_("text in %(language)s", language=default.language))
    if isinstance(default, ox.Literal) and default.datatype.value == XSD_STRING:
        return str(_("text"))
    return parameter.kind


def _with_values(url: str, values: dict[str, str]) -> str:
    """A canned query's URL with its parameters set."""
    return f"{url}?{urlencode(values)}" if values else url


def parameter_values(query: CannedQuery) -> dict[str, str]:
    """The query's parameters set in the URL (``?turkish=...``), non-empty ones only."""
    names = {v.name for v in query.variables}
    return {k: v.strip() for k, v in request.args.items() if k in names and v.strip()}


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
        return not_acceptable(QUERY_FORMATS, "a canned query", suffixes=True)
    values = parameter_values(query)
    if fmt is HTML:
        return _canned_page(query, values)
    # The formats of the answer are chosen as at /sparql, from the suffix or parameter if any.
    formats = accepted_formats(ext or request.args.get("format"))
    # A bad value raises ParameterError, a QueryError: 400 naming the parameter.
    return answer(query_request(query.bind(values, id_base()), *formats), suffixes=True)


def _canned_page(canned: CannedQuery, values: dict[str, str]) -> Response:
    status, error, result, table = 200, None, None, None
    try:
        text = canned.bind(values, id_base())
    except ParameterError as problem:
        # The page still shows, with the form to correct the value and the default query.
        status, error = error_status(problem)
        return _canned_response(canned, {}, values, status, error, None, None)
    query = table_request(text)
    try:
        result, table = run_table(query)
    except MAPPED_ERRORS as problem:
        status, error = error_status(problem)
    return _canned_response(canned, values, values, status, error, table, (query, result))


def _canned_response(
    canned: CannedQuery,
    values: dict[str, str],
    typed: dict[str, str],
    status: int,
    error: str | None,
    table: ResultsTable | None,
    ran: tuple[QueryRequest, QueryResult | None] | None,
) -> Response:
    """The canned query's page: ``values`` bound in its text and links, ``typed`` shown in
    its form (a refused value stays there to be corrected)."""
    data = query_data(canned, values)
    for variable in data["variables"]:
        variable["value"] = typed.get(variable["name"], "")
    own_formats = formats_of(table.kind if table is not None else "bindings")
    response = Response(
        render_template(
            "query.html",
            query=data,
            id_base=id_base(),
            table=table,
            error=error,
            formats=[
                (
                    f,
                    _with_values(
                        url_for("pages.canned_query", name=canned.name, ext=f.name), values
                    ),
                )
                for f in own_formats
            ],
        ),
        status=status,
    )
    if ran is None or ran[1] is None:
        response.vary.add("Accept")
        return response
    return answer_headers(response, ran[0], ran[1])
