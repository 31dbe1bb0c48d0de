"""The project's IRIs as plain strings, and its prefixes: importable without rdflib.

A query process (``publisher.store.worker``) needs the prefixes and the graph names, not
rdflib: its fork server preloads what it imports, and rdflib was most of that start-up
(bench/serve/startup.py). ``publisher.rdf.namespaces`` makes rdflib terms of the same IRIs.
"""

from collections.abc import Mapping

ONTOLOGY_NAMESPACE = "https://w3id.org/municipal-roles/ontology#"
ID_BASE = "https://w3id.org/municipal-roles/id/"
# Named graphs of a snapshot store: what was asserted and what owlrl added to it.
ASSERTED_GRAPH_IRI = "https://w3id.org/municipal-roles/graph/asserted"
INFERRED_GRAPH_IRI = "https://w3id.org/municipal-roles/graph/inferred"

# Prefixes used in dumps, query results and pages; the ones consumers know best.
PREFIXES: dict[str, str] = {
    "mr": ONTOLOGY_NAMESPACE,
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vann": "http://purl.org/vocab/vann/",
    "oa": "http://www.w3.org/ns/oa#",
}


def compact_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``prefix:name`` for an IRI in one of the known namespaces, else the IRI itself.

    The one IRI shortener of the project: reports, pages, the CLI and path texts all
    write IRIs the same way.
    """
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
