"""The ``/sparql`` endpoint: SPARQL 1.1 Protocol for queries, read-only.

Query by GET, POST url-encoded or POST ``application/sparql-query``; results and graphs
in the formats of ``publisher.rdf.formats``; on a GET without a query, the SPARQL 1.1 Service
Description. Requests the protocol calls malformed get the 4xx its test suite expects.

A browser, which asks for ``text/html`` by name and above the XML it also takes, gets
the query page instead (``publisher.web.views.pages.query_page``): the same query, its
answer as a table and links to every format. Every machine client asks for a results or
graph format, ``*/*`` or nothing, and gets the protocol's answer as before.
"""

from flask import Blueprint, Response, request, url_for
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from publisher.rdf.formats import GRAPH_FORMATS, HTML, RESULT_FORMATS, Format
from publisher.store.dataset import DATASET_GRAPHS
from publisher.store.query import QueryRequest
from publisher.web.answers import accepted_formats, answer, query_request
from publisher.web.http import ProtocolError
from publisher.web.negotiation import negotiate, not_acceptable
from publisher.web.publication import publication
from publisher.web.service_description import service_description
from publisher.web.views.pages import query_page

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused; send queries only"
# HTML is offered last, so that only a client that ranks it above every machine format
# (a browser) gets the page; */* and no Accept keep the protocol's default.
PAGE_OR_MACHINE: tuple[Format, ...] = (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)


Parameters = MultiDict[str, str]


def _parameters() -> Parameters:
    """The protocol's parameters of the request: the URL's, then a POSTed form's. Read
    once a request and handed on (each look-up through ``request`` costs)."""
    if request.method == "POST" and request.mimetype == FORM_TYPE:
        return CombinedMultiDict([request.args, request.form])
    return request.args


def _first(parameters: Parameters, name: str) -> str | None:
    values = parameters.getlist(name)
    return values[0] if values else None


def read_query(parameters: Parameters) -> str | None:
    """The query text of a protocol request, or None when it carries none."""
    if parameters.getlist("update") or request.mimetype == UPDATE_TYPE:
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
    queries = parameters.getlist("query")
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} 'query' parameters: send exactly one")
    return queries[0] if queries else None


def _graphs(parameters: Parameters, name: str) -> tuple[str, ...] | None:
    """The snapshot's graphs a protocol parameter names, or None when it is not given.

    A graph IRI the snapshot does not hold is an empty graph (as in Oxigraph and Fuseki,
    and as the W3C protocol test ``query_post_form`` expects): it is dropped, never
    fetched. rdflib's ``Dataset(SPARQLStore(...))`` names ``urn:x-rdflib:default`` so.
    """
    graphs = parameters.getlist(name)
    if not graphs:
        return None
    return tuple(g for g in graphs if g in DATASET_GRAPHS)


def read_request(text: str, parameters: Parameters) -> QueryRequest:
    """The query, its dataset and the formats the client accepts, from the request."""
    result_format, graph_format = accepted_formats(_first(parameters, "format"))
    default_graphs = _graphs(parameters, "default-graph-uri")
    named_graphs = _graphs(parameters, "named-graph-uri")
    if default_graphs is not None or named_graphs is not None:
        # Either parameter replaces the whole dataset (SPARQL 1.1 Protocol §2.1.4).
        default_graphs, named_graphs = default_graphs or (), named_graphs or ()
    return query_request(text, result_format, graph_format, default_graphs, named_graphs)


def wants_page(parameters: Parameters) -> bool:
    """Whether the client prefers the HTML page to every format of the protocol."""
    chosen = negotiate(PAGE_OR_MACHINE, request.accept_mimetypes, _first(parameters, "format"))
    return chosen is HTML


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a SPARQL query, or describe the service when there is none; a browser gets
    the query page."""
    parameters = _parameters()
    if wants_page(parameters):
        try:
            return query_page(read_query(parameters))
        except ProtocolError as refused:
            shown = _first(parameters, "query") or _first(parameters, "update")
            return query_page(shown, refused)
    text = read_query(parameters)
    if text is None:
        return _describe_service(parameters)
    return answer(read_request(text, parameters))


def _describe_service(parameters: Parameters) -> Response:
    fmt = negotiate(GRAPH_FORMATS, request.accept_mimetypes, _first(parameters, "format"))
    if fmt is None:
        return not_acceptable(GRAPH_FORMATS, "the service description")
    counts = publication().snapshot.manifest.triples
    body = service_description(
        url_for("sparql.endpoint", _external=True), fmt, (counts.asserted, counts.inferred)
    )
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
