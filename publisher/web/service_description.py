"""The SPARQL 1.1 Service Description of ``/sparql``, generated from what the code serves.

Clients such as Comunica read it before querying; the formats come from the same tables
the endpoint negotiates with, and the graph sizes from the snapshot's manifest, so it
cannot drift from the truth. Built once per (endpoint URL, format): a snapshot never changes.
"""

from functools import lru_cache

import pyoxigraph as ox

from publisher.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, PREFIXES

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
TRIPLES = ox.NamedNode(VOID + "triples")
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
XSD_INTEGER = ox.NamedNode(PREFIXES["xsd"] + "integer")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


@lru_cache(maxsize=32)
def service_description(endpoint: str, fmt: Format, triples: tuple[int, int] = (0, 0)) -> bytes:
    """The description of the endpoint at ``endpoint`` in the graph format ``fmt``.

    ``triples`` is the size of the asserted and the inferred graph.
    """
    service = ox.NamedNode(endpoint)
    dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    statements = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        # The default graph is the union of the named graphs (asserted and inferred).
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        # Inferences are materialized in their own graph; queries use simple entailment.
        ox.Triple(
            service,
            _sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(default_graph, TRIPLES, ox.Literal(str(sum(triples)), datatype=XSD_INTEGER)),
    ]
    statements += [
        ox.Triple(service, _sd("resultFormat"), ox.NamedNode(f.oxigraph.iri))
        for f in (*RESULT_FORMATS, *GRAPH_FORMATS)
        if f.oxigraph is not None
    ]
    for name, size in zip((ASSERTED_GRAPH, INFERRED_GRAPH), triples, strict=True):
        named, graph = ox.BlankNode(), ox.BlankNode()
        statements += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(str(name))),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, TRIPLES, ox.Literal(str(size), datatype=XSD_INTEGER)),
        ]
    prefixes = {"sd": SD, "void": VOID, "rdf": PREFIXES["rdf"], "xsd": PREFIXES["xsd"]}
    body = ox.serialize(statements, format=fmt.rdf_format, prefixes=prefixes)
    assert body is not None  # serialize returns the bytes when given no output to write to
    return body
