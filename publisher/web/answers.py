"""The one way a SPARQL query sent over HTTP becomes an answer: ``/sparql``, ``/query``
and ``/queries/<name>`` all go through here.

Each route once built its own ``QueryRequest`` and response, and they drifted apart
(``/query`` ignored the byte cap, ``/queries/<name>.csv`` cut rows without saying so). A
route now says only what is its own: where the query text comes from, which formats the
client asked for, and whether it renders HTML. The caps of the settings, the base IRI,
running the query and the headers of the answer are set here; failures are raised to the
one error map of ``publisher.web.http``.
"""

from flask import Response, request, url_for

from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, by_name
from publisher.store.guard import is_volatile
from publisher.store.query import Kind, QueryRequest, QueryResult
from publisher.web.negotiation import negotiate, not_acceptable
from publisher.web.publication import publication

# What a 406 says the client asked the wrong formats for, by the kind of the answer.
KIND_NAMES: dict[Kind, str] = {
    "bindings": "the answer of a SELECT query",
    "boolean": "the answer of an ASK query",
    "graph": "the answer of a CONSTRUCT or DESCRIBE query",
}


def accepted_formats(requested: str | None) -> tuple[Format | None, Format | None]:
    """The results format and the graph format the client takes: ``requested`` (a
    ``format`` parameter or a suffix) if given, else Accept; None where none fits.

    Both are chosen before the query runs, because only the store knows its kind.
    """
    accept = request.accept_mimetypes
    return negotiate(RESULT_FORMATS, accept, requested), negotiate(GRAPH_FORMATS, accept, requested)


def query_request(
    text: str,
    result_format: Format | None,
    graph_format: Format | None,
    default_graphs: tuple[str, ...] | None = None,
    named_graphs: tuple[str, ...] | None = None,
) -> QueryRequest:
    """The request the store gets: the query, the formats, and the settings' caps.

    Relative IRIs resolve against the endpoint's URL on every route, so a query means the
    same on the form, on a canned query's page and at ``/sparql``.
    """
    settings = publication().settings
    return QueryRequest(
        text=text,
        result_format=result_format.name if result_format else None,
        graph_format=graph_format.name if graph_format else None,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        max_rows=settings.max_rows,
        max_bytes=settings.max_response_bytes,
        max_path_steps=settings.max_path_steps,
        base_iri=url_for("sparql.endpoint", _external=True),
    )


def run(query: QueryRequest) -> QueryResult:
    """The store's answer within the settings' time limit (raises the store's errors, and
    ClientBusy when the client's address already runs its share of queries)."""
    served = publication()
    with served.clients.slot(request.remote_addr or ""):
        return served.store.query(query, served.settings.query_timeout)


def formats_of(kind: Kind) -> tuple[Format, ...]:
    """The formats an answer of this kind can be written in."""
    return GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS


def answer_headers(response: Response, query: QueryRequest, result: QueryResult) -> Response:
    """The headers every answer carries, in a machine format or as an HTML page: it
    varies with Accept, a volatile query (NOW(), RAND() ...) is never cached, and an
    answer cut at a cap says after how many rows."""
    response.vary.add("Accept")
    if is_volatile(query.text):
        response.cache_control.no_store = True
    if result.truncated:
        # Virtuoso's header for the same situation; clients that know it can warn.
        response.headers["X-SPARQL-MaxRows"] = str(result.rows)
    return response


def answer(query: QueryRequest, suffixes: bool = False) -> Response:
    """Run the query and send its answer in the format negotiated, or 406 when the client
    takes no format of the answer's kind (``suffixes``: the route takes ``.csv`` too)."""
    result = run(query)
    formats = formats_of(result.kind)
    if result.format is None:
        return not_acceptable(formats, KIND_NAMES[result.kind], suffixes)
    body = Response(result.body, content_type=by_name(formats, result.format).content_type)
    return answer_headers(body, query, result)
