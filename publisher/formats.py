"""Media types the publisher serves, and content negotiation over them.

Two tables, as rdflib-endpoint learned the hard way: one for RDF graphs (CONSTRUCT,
DESCRIBE, resources, dumps) and one for SELECT/ASK results. Each table lists its default
first, because Werkzeug's ``best_match`` gives ties and ``*/*`` to the first offer.
"""

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    """One serialisation: short name (``format`` parameter, CLI), media type, file suffix."""

    name: str
    media_type: str
    extension: str
    label: str
    # Other media types clients send for the same thing (e.g. application/json).
    aliases: tuple[str, ...] = ()
    # Other names clients put in ``format=`` (SPARQLWrapper sends turtle, xml, json-ld ...).
    synonyms: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The Content-Type header value; every text format here is UTF-8."""
        return f"{self.media_type}; charset=utf-8"


GRAPH_FORMATS: tuple[Format, ...] = (
    Format("ttl", "text/turtle", "ttl", "Turtle", ("application/x-turtle",), ("turtle", "n3")),
    Format(
        "nt", "application/n-triples", "nt", "N-Triples", ("text/plain",), ("ntriples", "n-triples")
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "jsonld",
        "JSON-LD",
        ("application/json",),
        ("json-ld", "json", "application/x-json+ld"),
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "rdf",
        "RDF/XML",
        ("application/xml", "text/xml"),
        ("xml", "rdf+xml"),
    ),
)

RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "srj", "SPARQL JSON", ("application/json",)),
    Format(
        "xml",
        "application/sparql-results+xml",
        "srx",
        "SPARQL XML",
        ("application/xml", "text/xml"),
    ),
    Format("csv", "text/csv", "csv", "CSV"),
    Format("tsv", "text/tab-separated-values", "tsv", "TSV"),
)


def find_format(formats: tuple[Format, ...], wanted: str) -> Format | None:
    """The format named by a ``format=`` value: a short name, a suffix, a media type, or
    a comma-separated list of those (the first known one counts)."""
    for candidate in wanted.lower().split(","):
        name = candidate.split(";")[0].strip()
        for fmt in formats:
            if name in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases, *fmt.synonyms):
                return fmt
    return None


def negotiate(
    formats: tuple[Format, ...], accept: MIMEAccept, requested: str | None = None
) -> Format | None:
    """The format to answer in: the ``format`` parameter if given, else the Accept header.

    None means nothing fits and the caller answers 406; a missing Accept header means
    the default (the first format).
    """
    if requested:
        return find_format(formats, requested)
    if not accept:
        return formats[0]
    offers = [media for fmt in formats for media in (fmt.media_type, *fmt.aliases)]
    best = accept.best_match(offers)
    return find_format(formats, best) if best else None


def media_types(formats: tuple[Format, ...]) -> str:
    """A readable list of the media types of a table, for 406 messages."""
    return ", ".join(f"{fmt.media_type} (format={fmt.name})" for fmt in formats)
