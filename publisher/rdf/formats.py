"""Every format the project reads or writes, defined once: name, suffixes, media types, parser.

The CLI (``--format``, ``--input-format``), HTTP (``Accept``, ``format=``, ``.ttl``
suffixes), the dumps, the catalog and the parsers all look formats up here, so a format
has one spelling everywhere. Older spellings (``ttl``, ``json-ld``, ``xml`` for RDF/XML)
stay accepted as aliases. Each kind lists its default first, because Werkzeug's
``best_match`` gives ties and ``*/*`` to the first offer (``publisher.web.negotiation``).
"""

from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

Kind = Literal["graph", "results", "page"]


@dataclass(frozen=True)
class Format:
    """One serialization and every way a user or a client may name it."""

    name: str  # the one spelling: CLI choices, ``format=`` values in links we write
    label: str  # for people: "Turtle"
    kind: Kind  # graph (RDF), results (SELECT/ASK), page (HTML, plain JSON)
    media_type: str
    extension: str  # the suffix files and URLs of this format are written with
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None = None
    # Further media types clients send for it (application/json for SPARQL JSON ...).
    media_aliases: tuple[str, ...] = ()
    # Further names accepted in ``format=`` and on the command line (SPARQLWrapper sends
    # turtle, xml, json-ld ...; earlier releases of this project used ttl and json-ld).
    aliases: tuple[str, ...] = ()
    # Further suffixes a file of this format is read from (.json for JSON-LD ...).
    read_extensions: tuple[str, ...] = ()
    # The EU file-type authority name, for DCAT distributions.
    eu_file_type: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header value; every text format here is UTF-8."""
        return f"{self.media_type}; charset=utf-8"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name this format answers to: its own, its aliases, suffix, media types."""
        return (self.name, *self.aliases, self.extension, self.media_type, *self.media_aliases)

    @property
    def suffixes(self) -> tuple[str, ...]:
        """File suffixes (with the dot) that say a file is in this format."""
        return tuple(f".{ext}" for ext in (self.extension, *self.read_extensions))

    @property
    def rdf_format(self) -> ox.RdfFormat:
        """Oxigraph's RDF format (graph formats only)."""
        if not isinstance(self.oxigraph, ox.RdfFormat):
            raise TypeError(f"{self.label} is not an RDF graph format")
        return self.oxigraph

    @property
    def results_format(self) -> ox.QueryResultsFormat:
        """Oxigraph's query results format (results formats only)."""
        if not isinstance(self.oxigraph, ox.QueryResultsFormat):
            raise TypeError(f"{self.label} is not a SPARQL results format")
        return self.oxigraph


TURTLE = Format(
    "turtle",
    "Turtle",
    "graph",
    "text/turtle",
    "ttl",
    ox.RdfFormat.TURTLE,
    ("application/x-turtle",),
    ("ttl", "n3"),
    eu_file_type="RDF_TURTLE",
)
NTRIPLES = Format(
    "ntriples",
    "N-Triples",
    "graph",
    "application/n-triples",
    "nt",
    ox.RdfFormat.N_TRIPLES,
    ("text/plain",),
    ("nt", "n-triples"),
    eu_file_type="RDF_N_TRIPLES",
)
JSONLD = Format(
    "jsonld",
    "JSON-LD",
    "graph",
    "application/ld+json",
    "jsonld",
    ox.RdfFormat.JSON_LD,
    ("application/json",),
    ("json-ld", "json", "application/x-json+ld"),
    ("json",),
    eu_file_type="JSON_LD",
)
RDFXML = Format(
    "rdfxml",
    "RDF/XML",
    "graph",
    "application/rdf+xml",
    "rdf",
    ox.RdfFormat.RDF_XML,
    ("application/xml", "text/xml"),
    ("xml", "rdf+xml"),
    ("owl", "xml"),
    eu_file_type="RDF_XML",
)
RESULTS_JSON = Format(
    "json",
    "SPARQL JSON",
    "results",
    "application/sparql-results+json",
    "srj",
    ox.QueryResultsFormat.JSON,
    ("application/json",),
)
RESULTS_XML = Format(
    "xml",
    "SPARQL XML",
    "results",
    "application/sparql-results+xml",
    "srx",
    ox.QueryResultsFormat.XML,
    ("application/xml", "text/xml"),
)
CSV = Format("csv", "CSV", "results", "text/csv", "csv", ox.QueryResultsFormat.CSV)
TSV = Format("tsv", "TSV", "results", "text/tab-separated-values", "tsv", ox.QueryResultsFormat.TSV)
HTML = Format("html", "HTML", "page", "text/html", "html", media_aliases=("application/xhtml+xml",))
# Plain JSON, for pages whose machine form is a JSON document (query list, reports).
JSON = Format("json", "JSON", "page", "application/json", "json")

GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML)
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, CSV, TSV)
# Formats a snapshot's dumps are written in (RDF/XML cannot write every graph: no
# blank-node predicates, but also no named graphs, and nobody harvests it).
DUMP_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD)


def find_format(formats: tuple[Format, ...], wanted: str) -> Format | None:
    """The format named by a user or client: a name, an alias, a suffix, a media type, or
    a comma-separated list of those (the first known one counts)."""
    for candidate in wanted.lower().split(","):
        name = candidate.split(";")[0].strip().lstrip(".")
        for fmt in formats:
            if name in fmt.names:
                return fmt
    return None


def by_name(formats: tuple[Format, ...], name: str) -> Format:
    """The format of a table by its own name (KeyError: a bug of the caller's)."""
    for fmt in formats:
        if fmt.name == name:
            return fmt
    raise KeyError(f"no format named {name!r} among {[f.name for f in formats]}")


def by_suffix(formats: tuple[Format, ...], suffix: str) -> Format | None:
    """The format a file suffix (``.ttl``, with the dot) says, or None."""
    return next((fmt for fmt in formats if suffix.lower() in fmt.suffixes), None)


def media_types(formats: tuple[Format, ...]) -> str:
    """A readable list of the media types of a table, for 406 messages."""
    return ", ".join(f"{fmt.media_type} (format={fmt.name})" for fmt in formats)
