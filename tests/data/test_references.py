"""No reference points at a node that is not there: merging two nodes into one (a duplicate
concept, two source nodes of one page) must carry every claim, query and document with it."""

import re
from collections import Counter
from pathlib import Path

from rdflib import RDF, Graph, Namespace, URIRef

from publisher.rdf.namespaces import ID_BASE

QUERIES = Path(__file__).resolve().parents[2] / "queries"
SCHEMA = Namespace("https://schema.org/")
PREFIX = re.compile(r"PREFIX\s+(\w+):\s*<([^>]+)>", re.IGNORECASE)


def test_every_dataset_iri_used_is_a_described_node(data: Graph) -> None:
    """A dataset IRI met as subject or object has an rdf:type somewhere in the data."""
    typed = set(data.subjects(RDF.type, None))
    used = {
        term
        for triple in data
        for term in (triple[0], triple[2])
        if isinstance(term, URIRef) and str(term).startswith(ID_BASE)
    }
    assert sorted(str(term) for term in used - typed) == []


def test_one_source_node_per_page(data: Graph) -> None:
    """The data contract: one source node per document read, so no two share a URL."""
    urls = Counter(data.objects(None, SCHEMA.url))
    assert [str(url) for url, count in urls.items() if count > 1] == []


def test_the_queries_name_only_nodes_of_the_data(data: Graph) -> None:
    """A dataset IRI written in a canned query (prefixed or in full) is a node of the data."""
    typed = {str(node) for node in data.subjects(RDF.type, None)}
    missing = []
    for path in sorted(QUERIES.glob("*.rq")):
        lines = path.read_text(encoding="utf-8").splitlines()
        text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
        iris = set(re.findall(rf"<({re.escape(ID_BASE)}[^>]*[^/>])>", text))
        for name, base in PREFIX.findall(text):
            if base.startswith(ID_BASE):
                iris |= {base + local for local in re.findall(rf"\b{name}:([\w-]+)", text)}
        missing += [f"{path.name}: {iri}" for iri in sorted(iris - typed)]
    assert missing == []
