"""How an HTML page names things: labels in the reader's language, links that stay local.

A label is picked by the reader's ``Accept-Language`` first, then English, then Turkish
(the two languages every position type and duty has), then an untagged literal, then any.
IRIs under the published bases link to this server's own pages; other http(s) IRIs link
out; anything else (``urn:``, ``javascript:``) is shown, never made a link.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import DCTERMS, FOAF, RDFS, SKOS, Literal, URIRef
from rdflib.term import Node
from werkzeug.datastructures import LanguageAccept

SCHEMA_NAME = URIRef("https://schema.org/name")
# Label properties in the order a page prefers them when languages tie.
LABEL_PROPERTIES: tuple[URIRef, ...] = (
    SKOS.prefLabel,
    RDFS.label,
    DCTERMS.title,
    FOAF.name,
    SCHEMA_NAME,
)
FALLBACK_LANGUAGES: tuple[str, ...] = ("en", "tr")
_LINKABLE_SCHEMES = ("http://", "https://")


def preferred_languages(accept: LanguageAccept) -> list[str]:
    """The reader's languages, best first, followed by the dataset's fallback chain."""
    wanted = [value.lower() for value, quality in accept if quality > 0 and value != "*"]
    return wanted + [lang for lang in FALLBACK_LANGUAGES if lang not in wanted]


def language_rank(tag: str | None, languages: list[str]) -> int:
    """Lower is better: where a language tag stands in the reader's list (untagged next)."""
    tag = (tag or "").lower()
    if not tag:
        return len(languages)
    for index, wanted in enumerate(languages):
        # "tr" serves a reader of "tr-TR", and "en-US" serves a reader of "en".
        if tag == wanted or tag.split("-")[0] == wanted.split("-")[0]:
            return index
    return len(languages) + 1


def pick_literal(literals: Iterable[Node], languages: list[str]) -> Literal | None:
    """The literal a reader of these languages should see, or None when there is none
    (terms that are not literals are skipped)."""
    candidates = [lit for lit in literals if isinstance(lit, Literal)]
    if not candidates:
        return None
    return min(candidates, key=lambda lit: (language_rank(lit.language, languages), str(lit)))


@dataclass(frozen=True)
class Bases:
    """Where this server's own IRIs live, and the local paths that answer for them."""

    id_base: str
    id_path: str
    ontology_iri: str
    ontology_path: str

    def local_href(self, iri: str) -> str | None:
        """The path on this server for an IRI it publishes, else None."""
        if iri.startswith(self.id_base):
            return self.id_path + iri[len(self.id_base) :]
        if iri == self.ontology_iri or iri.startswith(self.ontology_iri + "#"):
            return self.ontology_path + iri[len(self.ontology_iri) :]
        return None

    def href(self, iri: str) -> str | None:
        """Where a link to this IRI should go; None when it must not be a link."""
        local = self.local_href(iri)
        if local is not None:
            return local
        return iri if iri.startswith(_LINKABLE_SCHEMES) else None
