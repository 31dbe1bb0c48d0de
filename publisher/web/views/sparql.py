"""The ``/sparql`` endpoint: SPARQL 1.1 Protocol for queries, read-only.

Query by GET, POST url-encoded or POST ``application/sparql-query``; results and graphs
in the formats of ``publisher.rdf.formats``; on a GET without a query, the SPARQL 1.1 Service
Description. Requests the protocol calls malformed get the 4xx its test suite expects.
"""

from flask import Blueprint, Response, request, url_for

from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, by_name, media_types
from publisher.store.dataset import DATASET_GRAPHS
from publisher.store.guard import is_volatile
from publisher.store.query import QueryRequest
from publisher.web.http import ProtocolError, error_response
from publisher.web.negotiation import negotiate
from publisher.web.publication import publication
from publisher.web.service_description import service_description

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused; send queries only"


def _parameter(name: str) -> list[str]:
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == FORM_TYPE:
        values += request.form.getlist(name)
    return values


def read_query() -> str | None:
    """The query text of a protocol request, or None when it carries none."""
    if _parameter("update") or request.mimetype == UPDATE_TYPE:
        raise ProtocolError(403, READ_ONLY)
    if request.method == "GET" and (
        request.content_length or request.headers.get("Transfer-Encoding")
    ):
        # SPARQL 1.2 Protocol REQ-3.2.5: a GET carries no body; a body here is a client's
        # mistake (a query it meant to POST) that answering from the URL would hide.
        raise ProtocolError(400, "a GET request carries no body: POST the query instead")
    if request.method == "POST" and request.mimetype == QUERY_TYPE:
        charset = request.mimetype_params.get("charset", "utf-8")
        if charset.lower() not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"charset {charset} is not supported: send the query as UTF-8")
        if request.args.getlist("query"):
            raise ProtocolError(400, "send the query either in the body or as ?query=, not both")
        try:
            return request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"the query is not valid UTF-8: {error}") from error
    if request.method == "POST" and request.mimetype != FORM_TYPE:
        given = request.mimetype or "none"
        raise ProtocolError(
            415,
            f"Content-Type {given} is not supported: POST a query as {QUERY_TYPE} "
            f"or as {FORM_TYPE} with a 'query' field",
        )
    queries = _parameter("query")
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} 'query' parameters: send exactly one")
    return queries[0] if queries else None


def _graphs(name: str) -> tuple[str, ...] | None:
    graphs = _parameter(name)
    unknown = [g for g in graphs if g not in DATASET_GRAPHS]
    if unknown:
        raise ProtocolError(
            400,
            f"{name} {', '.join(unknown)}: not a graph of this dataset; its graphs are "
            + ", ".join(DATASET_GRAPHS),
        )
    return tuple(graphs) if graphs else None


def read_request(text: str) -> QueryRequest:
    """The query, its dataset and the formats the client accepts, from the request."""
    requested = (_parameter("format") or [None])[0]
    result_format = negotiate(RESULT_FORMATS, request.accept_mimetypes, requested)
    graph_format = negotiate(GRAPH_FORMATS, request.accept_mimetypes, requested)
    default_graphs, named_graphs = _graphs("default-graph-uri"), _graphs("named-graph-uri")
    if default_graphs or named_graphs:
        default_graphs, named_graphs = default_graphs or (), named_graphs or ()
    return QueryRequest(
        text=text,
        result_format=result_format.name if result_format else None,
        graph_format=graph_format.name if graph_format else None,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        max_rows=publication().settings.max_rows,
        max_bytes=publication().settings.max_response_bytes,
        base_iri=request.base_url,
    )


def _not_acceptable(formats: tuple[Format, ...], kind: str) -> Response:
    return error_response(
        406,
        f"Not Acceptable: {kind} can be answered as {media_types(formats)}; "
        "set the Accept header or the 'format' parameter to one of them",
    )


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a SPARQL query, or describe the service when there is none."""
    text = read_query()
    if text is None:
        return _describe_service()
    query = read_request(text)
    result = publication().store.query(query, publication().settings.query_timeout)
    if result.format is None:
        if result.kind == "graph":
            return _not_acceptable(GRAPH_FORMATS, "CONSTRUCT and DESCRIBE")
        return _not_acceptable(RESULT_FORMATS, "SELECT and ASK")
    table = GRAPH_FORMATS if result.kind == "graph" else RESULT_FORMATS
    fmt = by_name(table, result.format)
    response = Response(result.body, content_type=fmt.content_type)
    response.vary.add("Accept")
    if is_volatile(query.text):
        response.cache_control.no_store = True
    if result.truncated:
        # Virtuoso's header for the same situation; clients that know it can warn.
        response.headers["X-SPARQL-MaxRows"] = str(result.rows)
    return response


def _describe_service() -> Response:
    requested = (_parameter("format") or [None])[0]
    fmt = negotiate(GRAPH_FORMATS, request.accept_mimetypes, requested)
    if fmt is None:
        return _not_acceptable(GRAPH_FORMATS, "the service description")
    counts = publication().snapshot.manifest.triples
    body = service_description(
        url_for("sparql.endpoint", _external=True), fmt, (counts.asserted, counts.inferred)
    )
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
