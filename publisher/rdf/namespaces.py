"""The project's IRIs (DESIGN §2): ontology namespace, resource base and graph names."""

from rdflib import Namespace, URIRef

from publisher.rdf.iris import (
    ASSERTED_GRAPH_IRI,
    ID_BASE,
    INFERRED_GRAPH_IRI,
    ONTOLOGY_NAMESPACE,
    PREFIXES,
    compact_iri,
)

__all__ = [
    "ASSERTED_GRAPH",
    "ID_BASE",
    "INFERRED_GRAPH",
    "MR",
    "ONTOLOGY_IRI",
    "PREFIXES",
    "compact_iri",
]

MR = Namespace(ONTOLOGY_NAMESPACE)
ONTOLOGY_IRI = URIRef("https://w3id.org/municipal-roles/ontology")
# Named graphs of a snapshot store: what was asserted and what owlrl added to it.
ASSERTED_GRAPH = URIRef(ASSERTED_GRAPH_IRI)
INFERRED_GRAPH = URIRef(INFERRED_GRAPH_IRI)
