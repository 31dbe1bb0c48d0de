"""The ontology's documents in a snapshot: its RDF in each format and its HTML documentation.

They are written once, by the build, beside the dumps: ``/ontology`` then serves files,
and the pyLODE documentation (slow to render) never runs per request. The ontology a
snapshot documents is the one it was built from, even if the source file changes later.
"""

from pathlib import Path

import pyoxigraph as ox

from publisher.loading import iter_triples
from publisher.namespaces import PREFIXES
from publisher.ontology_docs import render_ontology_html
from publisher.snapshot import Snapshot

ONTOLOGY_STEM = "ontology"
RDF_DOCUMENTS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
}
# The documentation is rendered once per language the ontology is written in.
HTML_LANGUAGES: tuple[str, ...] = ("en", "tr")
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
# Overrides pyLODE 3.3's own rules for #toc, #content, #pylode and body below 48rem.
NARROW_SCREEN_STYLE = (
    "<style>@media (max-width: 48rem) {"
    " body { padding: 1em; overflow-wrap: anywhere; }"
    " #toc { position: static; width: auto; height: auto; margin-bottom: 1em; }"
    " #content { width: auto; }"
    " #pylode { display: none; }"
    " .entity th { width: auto; }"
    " }</style>"
)


def ontology_documents(source: Path) -> dict[str, bytes]:
    """File name -> content of every ontology document of a snapshot."""
    triples = [t.triple if isinstance(t, ox.Quad) else t for t in iter_triples(source)]
    # The Turtle is the source itself, whose comments say what each part is for.
    documents = {f"{ONTOLOGY_STEM}.ttl": source.read_bytes()}
    for ext, fmt in RDF_DOCUMENTS.items():
        if ext != "ttl":
            options = {"prefixes": PREFIXES} if fmt is ox.RdfFormat.RDF_XML else {}
            documents[f"{ONTOLOGY_STEM}.{ext}"] = ox.serialize(triples, format=fmt, **options)
    for language in HTML_LANGUAGES:
        html = _for_phones(render_ontology_html(source, language))
        documents[f"{ONTOLOGY_STEM}.{language}.html"] = html.encode("utf-8")
    return documents


def _for_phones(html: str) -> str:
    """pyLODE's page declares no viewport and pins its contents beside the text: on a narrow
    screen, let the contents flow above the text instead."""
    # After pyLODE's own styles, so that these win.
    html = html.replace("</head>", f"    {NARROW_SCREEN_STYLE}\n</head>", 1)
    return html.replace("<head>", f"<head>\n    {VIEWPORT}", 1)


def ontology_document(snapshot: Snapshot, extension: str, language: str = "en") -> Path | None:
    """The snapshot's ontology file with this extension (HTML: in this language), or None."""
    if extension == "html" and language in HTML_LANGUAGES:
        name = f"{ONTOLOGY_STEM}.{language}.html"
    elif extension in RDF_DOCUMENTS:
        name = f"{ONTOLOGY_STEM}.{extension}"
    else:
        return None
    path = snapshot.path / name
    return path if path.is_file() else None
