"""The ontology's documents in a snapshot: its RDF in each format, and HTML by pyLODE.

They are written once, by the build, beside the dumps: ``/ontology`` then serves files,
and the pyLODE documentation (slow to render) never runs per request. The ontology a
snapshot documents is the one it was built from, even if the source file changes later.

pyLODE 3.3 has no notion of language: where a term has a label or definition in English
and Turkish it shows one of them at random (for the document title, the last one it
meets). So the page is rendered from a copy of the ontology that keeps, for every
annotation that exists in the chosen language, only that language.

pyLODE also writes its own words (headings, table labels) in English only, as fixed strings
(``pylode/profiles/ontpub.py``); a page in another language gets them from the project's
catalogue after rendering.

Rendering takes pyLODE seconds per language, and every build renders the same ontology
again: pages are kept in a cache folder, named by the digest of what makes them (the
ontology's bytes, the language, pyLODE's version and this module's own code).
"""

import hashlib
import logging
import os
import re
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from platformdirs import user_cache_dir
from rdflib import DCTERMS, RDFS, SKOS, Graph, Literal, URIRef

from publisher.build.snapshot import (
    HTML_LANGUAGES,
    ONTOLOGY_FORMATS,
    ontology_file_name,
)
from publisher.i18n import DEFAULT_LANGUAGE, N_, gettext
from publisher.rdf.formats import HTML, RDFXML, TURTLE
from publisher.rdf.namespaces import MR, PREFIXES
from publisher.rdf.parsing import iter_triples, load_graph

# The annotations pyLODE shows as titles, descriptions and notes.
_TEXT_ANNOTATIONS = (
    RDFS.label,
    RDFS.comment,
    SKOS.prefLabel,
    SKOS.definition,
    SKOS.scopeNote,
    SKOS.example,
    DCTERMS.title,
    DCTERMS.description,
)


def in_one_language(graph: Graph, language: str) -> Graph:
    """A copy of graph where each text annotation keeps only its ``language`` values,
    when it has any (annotations without a value in that language are kept whole)."""
    result = Graph()
    for prefix, namespace in graph.namespaces():
        result.bind(prefix, namespace)
    for subject, predicate, obj in graph:
        if (
            predicate in _TEXT_ANNOTATIONS
            and isinstance(obj, Literal)
            and obj.language != language
            and any(
                isinstance(other, Literal) and other.language == language
                for other in graph.objects(subject, predicate)
            )
        ):
            continue
        result.add((subject, predicate, obj))
    return result


def _ontpub() -> Any:
    """pyLODE's OntPub, imported late and without its side effect on logging.

    Importing pyLODE runs ``logging.basicConfig(level=logging.DEBUG)``
    (pylode/profiles/supermodel/loader.py), after which every library's debug lines would
    print on stderr; the root logger is put back as it was. Importing late also keeps
    pyLODE out of the start-up of commands that never render documentation.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from pylode import OntPub

    root.handlers[:] = handlers
    root.setLevel(level)
    return OntPub


CACHE_ENV = "MUNICIPAL_ROLES_CACHE"
_log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where rendered pages are kept: $MUNICIPAL_ROLES_CACHE, else the user's cache folder."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path(user_cache_dir("municipal-roles"))


def render_ontology_html(path: Path, language: str = "en") -> str:
    """The ontology's documentation page in one language, from the cache when it was
    rendered before from the same bytes; a cache that cannot be read or written only
    costs the rendering."""
    key = hashlib.sha256()
    for part in (path.read_bytes(), language.encode(), version("pylode").encode()):
        key.update(hashlib.sha256(part).digest())
    key.update(hashlib.sha256(Path(__file__).read_bytes()).digest())
    cached = cache_dir() / "ontology-docs" / f"{key.hexdigest()}.html"
    try:
        return cached.read_text(encoding="utf-8")
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as error:
        _log.warning("cannot read the cached ontology page %s: %s", cached, error)
    html = render_with_pylode(path, language)
    try:
        _write_atomically(cached, html)
    except OSError as error:
        _log.warning("cannot cache the ontology page in %s: %s", cached.parent, error)
    return html


def _write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all: readers (other builds) never see a partial page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def render_with_pylode(path: Path, language: str) -> str:
    """The ontology's documentation page (a complete HTML document) in one language.

    Each term's section is anchored at its IRI's fragment (``#PositionType``), so that a
    term IRI resolved to this page lands on the term. pyLODE would derive anchors from
    labels; it reuses the ones already in its ``fids`` table, which is seeded here.
    """
    ontology = in_one_language(load_graph([path]), language)
    document = _ontpub()(ontology=ontology, sort_subjects=True)
    document.fids.update(
        {
            str(term): str(term)[len(str(MR)) :]
            for term in set(ontology.subjects())
            if isinstance(term, URIRef) and term in MR
        }
    )
    return str(document.make_html())


# pyLODE 3.3's own words, as it writes them (headings, the table of contents, the rows of
# its tables); "IRI" and the data's own labels are left as they are.
PYLODE_WORDS = (
    N_("Table of Contents"),
    N_("Metadata"),
    N_("Classes"),
    N_("Properties"),
    N_("Object Properties"),
    N_("Datatype Properties"),
    N_("Annotation Properties"),
    N_("Functional Properties"),
    N_("Named Individuals"),
    N_("Namespaces"),
    N_("Legend"),
    N_("Title"),
    N_("Publisher"),
    N_("Creator"),
    N_("Date Created"),
    N_("Date Modified"),
    N_("License"),
    N_("Version Iri"),
    N_("Version Info"),
    N_("Prior Version"),
    N_("Preferred Namespace Prefix"),
    N_("Preferred Namespace Uri"),
    N_("Description"),
    N_("Is Defined By"),
    N_("Domain"),
    N_("Range"),
    N_("Sub Class Of"),
    N_("Super Class Of"),
    N_("In Domain Of"),
    N_("In Range Of"),
    N_("Sub Property Of"),
    N_("Super Property Of"),
    N_("Scope Note"),
    N_("Example"),
)
# A heading, a table cell or a link whose whole text is one word of pyLODE's (a table
# label is a link to the property it names).
_PYLODE_WORD = re.compile(
    r"(<(h[1-4]|th|td|dt|a)\b[^>]*>\s*(?:<a\b[^>]*>)?)([^<]+?)(\s*(?:</a>\s*)?</\2>)"
)


def in_page_language(html: str, language: str) -> str:
    """pyLODE's page with its own words in ``language``."""
    if language == DEFAULT_LANGUAGE:
        return html
    words = {word: gettext(word, language) for word in PYLODE_WORDS}
    return _PYLODE_WORD.sub(lambda m: f"{m[1]}{words[m[3]]}{m[4]}" if m[3] in words else m[0], html)


# The element that holds pyLODE's page: its styles apply only inside it, so that the site's
# frame around it (publisher/web/templates/ontology.html) keeps its own look.
DOCUMENT_ID = "ontology-doc"
DOCUMENT_START = f'<div id="{DOCUMENT_ID}">'
DOCUMENT_END = f"</div><!-- /{DOCUMENT_ID} -->"
_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)


def ontology_documents(source: Path) -> dict[str, bytes]:
    """File name -> content of every ontology document of a snapshot."""
    triples = [quad.triple for quad in iter_triples(source)]
    # The Turtle is the source itself, whose comments say what each part is for.
    documents = {ontology_file_name(TURTLE): source.read_bytes()}
    for fmt in ONTOLOGY_FORMATS:
        if fmt is not TURTLE:
            prefixes = PREFIXES if fmt is RDFXML else None
            serialized = ox.serialize(triples, format=fmt.rdf_format, prefixes=prefixes)
            assert serialized is not None  # no output given: the bytes are returned
            documents[ontology_file_name(fmt)] = serialized
    for language in HTML_LANGUAGES:
        html = _for_the_site_frame(
            in_page_language(render_ontology_html(source, language), language)
        )
        documents[ontology_file_name(HTML, language)] = html.encode("utf-8")
    return documents


def _for_the_site_frame(html: str) -> str:
    """pyLODE's page made to sit inside the site's frame: its body in one element, and its
    styles (which set ``body``, headings, links and code for the whole page) nested under
    that element with CSS nesting, so they style the documentation and nothing around it.
    It stays a complete page; the server takes the element and the styles out of it."""
    html = _STYLE.sub(lambda m: f"{m[1]}#{DOCUMENT_ID} {{\n{m[2]}\n}}{m[3]}", html)
    head, body_tag, rest = html.partition("<body>")
    inner, end_tag, tail = rest.partition("</body>")
    if not (body_tag and end_tag):
        raise ValueError("pyLODE's page has no <body>: cannot place it in the site's frame")
    return f"{head}{body_tag}{DOCUMENT_START}{inner}{DOCUMENT_END}{end_tag}{tail}"
