"""The search index of a snapshot (``search.json``), written by the build beside its dumps.

The queries of ``queries/search/`` read, from the snapshot's store (its asserted and
inferred graphs together), every position type, post, organization, duty and source with
all its labels and the systems it belongs to. Each label is stored as written and folded
(``publisher.i18n.folding``), so the search page only folds the query and compares strings:
no store query runs per search, and each web worker reads the file once.
"""

import json
from collections import defaultdict

import pyoxigraph as ox

from publisher.i18n.folding import fold
from publisher.rdf.resources import resource_dir

SEARCH_INDEX_FILE = "search.json"
# Bumped when the file's layout changes, so a server can tell an index it cannot read.
SEARCH_INDEX_VERSION = 1


def _query(name: str) -> str:
    return (resource_dir("queries") / "search" / f"{name}.rq").read_text(encoding="utf-8")


def search_index(store: ox.Store) -> dict[str, object]:
    """The index of a store's graphs together (the snapshot's own store, read as it is
    written: loading a national snapshot's triples into a store of its own again cost the
    build 40 s a million): entries (IRI, kind, labels with their folded forms, systems) in
    the order of their IRIs, and each system's labels."""
    kinds: dict[str, str] = {}
    labels: dict[str, set[tuple[str, str]]] = defaultdict(set)
    systems: dict[str, set[str]] = defaultdict(set)
    rows = store.query(_query("index"), use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        resource, kind, label, system = (row[v] for v in ("resource", "kind", "label", "system"))
        if not isinstance(label, ox.Literal) or not isinstance(kind, ox.Literal):
            continue
        iri = resource.value
        kinds.setdefault(iri, kind.value)
        labels[iri].add((label.value, label.language or ""))
        if isinstance(system, ox.NamedNode):
            systems[iri].add(system.value)
    system_labels: dict[str, set[tuple[str, str]]] = defaultdict(set)
    named = store.query(_query("systems"), use_default_graph_as_union=True)
    assert isinstance(named, ox.QuerySolutions)
    for row in named:
        label = row["label"]
        if isinstance(label, ox.Literal):
            system_labels[row["system"].value].add((label.value, label.language or ""))
    return {
        "version": SEARCH_INDEX_VERSION,
        "entries": [
            {
                "iri": iri,
                "kind": kinds[iri],
                # Each label as written, its language ("" untagged) and its folded form.
                "labels": sorted([text, lang, fold(text)] for text, lang in labels[iri]),
                "systems": sorted(systems[iri]),
            }
            for iri in sorted(kinds)
        ],
        "systems": {
            iri: sorted([text, lang] for text, lang in found)
            for iri, found in sorted(system_labels.items())
        },
    }


def search_index_document(store: ox.Store) -> bytes:
    """``search.json`` as the snapshot stores it (UTF-8, compact, keys in order)."""
    index = search_index(store)
    return json.dumps(index, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
