"""Search by label (``/search?q=``): the snapshot's ``search.json``, read once per worker.

The build stored every label of the position types, posts, organizations, duties and
sources folded (``publisher.i18n.folding``); a query is folded the same way and its words
looked for in those strings, so ``ISTANBUL`` finds ``İstanbul`` and ``baskani`` finds
``Başkanı`` in any language. Hits are ranked (the whole label, then its start, then the
start of its words, then anywhere) and grouped by kind and by system.
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Literal

from publisher.build.search_index import SEARCH_INDEX_FILE, SEARCH_INDEX_VERSION
from publisher.i18n import N_
from publisher.i18n.folding import fold
from publisher.web.labels import Bases, pick_literal

# The longest query taken: a label, never a document.
MAX_QUERY_CHARACTERS = 200
# Hits shown at most; the page says when there were more.
MAX_HITS = 200
# The kinds in the order the page shows them, with their names for people.
KINDS: dict[str, str] = {
    "position-type": N_("Position types"),
    "post": N_("Posts"),
    "organization": N_("Organizations"),
    "duty": N_("Duties and powers"),
    "source": N_("Sources"),
}


class SearchIndexMissing(LookupError):
    """The snapshot has no search index this server can read: rebuild it (503)."""


class BadSearch(ValueError):
    """The query is empty once folded, or too long: 400 with the form. ``message`` is a
    catalogue message with ``{name}`` placeholders, ``values`` fill them."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values))
        self.message = message
        self.values = values


@dataclass(frozen=True)
class Label:
    text: str
    lang: str
    folded: str


@dataclass(frozen=True)
class Entry:
    iri: str
    kind: str
    labels: tuple[Label, ...]
    systems: tuple[str, ...]


@dataclass(frozen=True)
class SearchIndex:
    entries: tuple[Entry, ...]
    systems: dict[str, tuple[Label, ...]]


@cache
def load_index(snapshot_path: Path) -> SearchIndex:
    """The index of a snapshot (cached per snapshot folder: a reload reads the new one)."""
    path = snapshot_path / SEARCH_INDEX_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SearchIndexMissing(
            f"this snapshot has no {SEARCH_INDEX_FILE}; rebuild it with 'municipal-roles build'"
        ) from None
    if data.get("version") != SEARCH_INDEX_VERSION:
        raise SearchIndexMissing(
            f"{path} is of version {data.get('version')!r}, this server reads version "
            f"{SEARCH_INDEX_VERSION}; rebuild it with 'municipal-roles build'"
        )
    return SearchIndex(
        entries=tuple(
            Entry(
                iri=e["iri"],
                kind=e["kind"],
                labels=tuple(Label(*label) for label in e["labels"]),
                systems=tuple(e["systems"]),
            )
            for e in data["entries"]
        ),
        systems={
            iri: tuple(Label(text, lang, fold(text)) for text, lang in labels)
            for iri, labels in data["systems"].items()
        },
    )


def checked_query(q: str) -> str:
    """The query folded; BadSearch says why it cannot be searched."""
    if len(q) > MAX_QUERY_CHARACTERS:
        raise BadSearch(
            N_("A search is at most {limit} characters long; this one has {length}."),
            limit=MAX_QUERY_CHARACTERS,
            length=len(q),
        )
    folded = fold(q)
    if not folded:
        raise BadSearch(N_("Type at least one letter or digit to search for."))
    return folded


def rank(folded_query: str, label: str) -> int | None:
    """How well a folded label matches (lower is better), None when some word is missing:
    0 the whole label, 1 its start, 2 the start of a word for every word, 3 anywhere."""
    words = folded_query.split()
    if not all(word in label for word in words):
        return None
    if label == folded_query:
        return 0
    if label.startswith(folded_query):
        return 1
    label_words = label.split()
    if all(any(w.startswith(word) for w in label_words) for word in words):
        return 2
    return 3


@dataclass
class Hit:
    """A resource found: its IRI and link, its name in the reader's language, the label
    that matched (when it is another) and how well."""

    iri: str
    href: str | None
    text: str
    lang: str
    matched: Label | None
    rank: int


@dataclass
class Group:
    kind: str
    kind_name: str
    system: str | None
    system_name: str | None
    system_lang: str
    hits: list[Hit] = field(default_factory=list)


def _pick(labels: tuple[Label, ...], languages: list[str]) -> Label | None:
    """The label a reader of these languages should see (the choice of ``pick_literal``)."""
    literals = (Literal(label.text, lang=label.lang or None) for label in labels)
    picked = pick_literal(literals, languages)
    if picked is None:
        return None
    lang = picked.language or ""
    return next(label for label in labels if label.text == str(picked) and label.lang == lang)


def search(
    index: SearchIndex, q: str, languages: list[str], bases: Bases
) -> tuple[list[Group], int]:
    """The groups of hits for ``q`` (kinds in KINDS order, systems by name, no system
    last; an entry of two systems is in both), and how many entries matched in all."""
    folded = checked_query(q)
    found: list[tuple[Entry, Hit]] = []
    for entry in index.entries:
        matches = [
            (r, label) for label in entry.labels if (r := rank(folded, label.folded)) is not None
        ]
        if not matches:
            continue
        best, matched = min(matches, key=lambda m: (m[0], m[1].text))
        shown = _pick(entry.labels, languages) or matched
        found.append(
            (
                entry,
                Hit(
                    iri=entry.iri,
                    href=bases.href(entry.iri),
                    text=shown.text,
                    lang=shown.lang,
                    matched=None if matched == shown else matched,
                    rank=best,
                ),
            )
        )
    found.sort(key=lambda f: (f[1].rank, f[1].text.lower(), f[0].iri))
    groups: dict[tuple[str, str | None], Group] = {}
    for entry, hit in found[:MAX_HITS]:
        for system in entry.systems or (None,):
            key = (entry.kind, system)
            if key not in groups:
                name = _pick(index.systems.get(system, ()), languages) if system else None
                groups[key] = Group(
                    kind=entry.kind,
                    kind_name=KINDS.get(entry.kind, entry.kind),
                    system=system,
                    system_name=name.text if name else None,
                    system_lang=name.lang if name else "",
                )
            groups[key].hits.append(hit)
    kind_order = list(KINDS)
    ordered = sorted(
        groups.values(),
        key=lambda g: (
            kind_order.index(g.kind) if g.kind in kind_order else len(kind_order),
            g.system is None,
            (g.system_name or g.system or "").lower(),
        ),
    )
    return ordered, len(found)


def by_kind(groups: list[Group]) -> list[tuple[str, list[Group]]]:
    """The groups under their kind's name, kinds in the order of ``groups``."""
    kinds: dict[str, list[Group]] = {}
    for group in groups:
        kinds.setdefault(group.kind_name, []).append(group)
    return list(kinds.items())


def search_json(groups: list[Group], count: int, q: str, translate: Any) -> dict[str, Any]:
    """The hits as plain data, grouped as on the page (``translate``: the page's gettext)."""
    return {
        "q": q,
        "folded": fold(q),
        "count": count,
        "groups": [
            {
                "kind": g.kind,
                "kind_name": translate(g.kind_name),
                "system": {"iri": g.system, "text": g.system_name} if g.system else None,
                "results": [
                    {
                        "iri": h.iri,
                        "text": h.text,
                        "lang": h.lang or None,
                        "matched": {"text": h.matched.text, "lang": h.matched.lang or None}
                        if h.matched
                        else None,
                    }
                    for h in g.hits
                ],
            }
            for g in groups
        ],
    }
