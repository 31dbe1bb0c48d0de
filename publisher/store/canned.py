"""The canned research queries of ``queries/``: each file's header and text.

A query file starts with comment lines of the form ``# key: value`` (title, description,
parameters); the rest is the SPARQL text. The Turkish title and description are the keys
``baslik`` and ``aciklama`` (Turkish words, in the ASCII a key is written in); a query
without them is shown in English on a Turkish page. The /queries pages, the CLI and the tests all
read the queries through this module, so they never disagree.

A parameter (``# parameters: ?turkish — what it means, default ...``) is a variable the
query binds in its own ``VALUES ?turkish { ... }`` line: that term is the default, and
its kind (an IRI, or a literal of a datatype or language) is the type a value given for
it must have. ``CannedQuery.bind`` makes the value a term of that type with Oxigraph's
own term classes and writes the term's N-Triples form into the VALUES line, so a value
is never pasted into the query as text (as in Datasette's canned-query parameters).
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from publisher.rdf.resources import resource_dir
from publisher.store.query import QueryError

_HEADER_LINE = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
_PARAMETER = re.compile(r"^\?(?P<name>\w+)\s+—\s+(?P<description>.+)$")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# Longest value a parameter takes: an IRI or a label, never a document.
MAX_VALUE_CHARACTERS = 2000
ENGLISH = "en"
# The header keys of each translated language's title and description.
TRANSLATED_KEYS: dict[str, tuple[str, str]] = {"tr": ("baslik", "aciklama")}
# The header key of each translated language's parameter lines (``?name — meaning``).
TRANSLATED_PARAMETER_KEYS: dict[str, str] = {"tr": "parametreler"}


class ParameterError(QueryError):
    """A value given for a query's parameter is not a term of its type: 400, naming it."""


@dataclass(frozen=True)
class Parameter:
    """A variable of a canned query that a caller may bind, with its default term."""

    name: str
    description: str
    default: ox.NamedNode | ox.Literal
    # Every language's description, English included.
    descriptions: dict[str, str] = field(default_factory=dict)

    def description_in(self, lang: str) -> str:
        """What the parameter means in ``lang``, else in English."""
        return self.descriptions.get(lang, self.description)

    @property
    def kind(self) -> str:
        """What a value must be, for people: "IRI", "text", "text in tr", "xsd:integer"."""
        if isinstance(self.default, ox.NamedNode):
            return "IRI"
        if self.default.language:
            return f"text in {self.default.language}"
        datatype = self.default.datatype.value
        if datatype == XSD_STRING:
            return "text"
        return datatype.replace("http://www.w3.org/2001/XMLSchema#", "xsd:")

    @property
    def default_text(self) -> str:
        """The default as a person types it (an IRI's or a literal's own value)."""
        return self.default.value

    def term(self, value: str, base: str) -> ox.NamedNode | ox.Literal:
        """``value`` as a term of this parameter's type; relative IRIs resolve against
        ``base`` (the dataset's ID base). ParameterError says what is wrong."""
        where = f"parameter ?{self.name}"
        if len(value) > MAX_VALUE_CHARACTERS:
            raise ParameterError(f"{where}: a value of at most {MAX_VALUE_CHARACTERS} characters")
        if isinstance(self.default, ox.NamedNode):
            iri = value if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value) else base + value
            try:
                return ox.NamedNode(iri)
            except ValueError as error:
                raise ParameterError(f"{where}: {value!r} is not an IRI ({error})") from None
        if self.default.language:
            return ox.Literal(value, language=self.default.language)
        datatype = self.default.datatype.value
        if datatype != XSD_STRING and _ill_typed(value, datatype):
            raise ParameterError(f"{where}: {value!r} is not a value of {self.kind}")
        return ox.Literal(value, datatype=self.default.datatype)


def _ill_typed(value: str, datatype: str) -> bool:
    """Whether rdflib finds ``value`` outside the lexical space of ``datatype``."""
    converter = logging.getLogger("rdflib.term")
    level = converter.level
    converter.setLevel(logging.CRITICAL)  # rdflib logs each failed conversion
    try:
        return bool(Literal(value, datatype=URIRef(datatype)).ill_typed)
    finally:
        converter.setLevel(level)


def _values_block(name: str) -> re.Pattern[str]:
    return re.compile(rf"VALUES\s+\?{name}\s*\{{(?P<terms>[^}}]*)\}}")


def _parameter(text: str, line: str, path: Path) -> Parameter:
    """A header's parameter line, with the default of the query's own VALUES line."""
    match = _PARAMETER.match(line)
    if match is None:
        raise ValueError(f"{path}: parameter {line!r} is not '?name — meaning, default ...'")
    name = match["name"]
    values = _values_block(name).search(text)
    if values is None:
        raise ValueError(f"{path}: parameter ?{name} has no 'VALUES ?{name} {{ default }}' line")
    prologue = "".join(re.findall(r"^PREFIX[^\n]*\n", text, re.MULTILINE | re.IGNORECASE))
    solutions = ox.Store().query(f"{prologue}SELECT ?v WHERE {{ VALUES ?v {{{values['terms']}}} }}")
    assert isinstance(solutions, ox.QuerySolutions)
    defaults = [solution["v"] for solution in solutions]
    if len(defaults) != 1 or not isinstance(defaults[0], ox.NamedNode | ox.Literal):
        raise ValueError(f"{path}: the VALUES line of ?{name} must hold one IRI or literal")
    return Parameter(name=name, description=match["description"], default=defaults[0])


@dataclass(frozen=True)
class CannedQuery:
    """One query file: its name (file stem), header fields and SPARQL text. ``title`` and
    ``description`` are the English ones; ``titles`` and ``descriptions`` hold every
    language the header gives (English included)."""

    name: str
    title: str
    description: str
    text: str
    parameters: list[str] = field(default_factory=list)
    variables: list[Parameter] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def title_in(self, lang: str) -> str:
        """The title in ``lang``, else in English."""
        return self.titles.get(lang, self.title)

    def description_in(self, lang: str) -> str:
        """The description in ``lang``, else in English."""
        return self.descriptions.get(lang, self.description)

    def bind(self, values: Mapping[str, str], base: str) -> str:
        """The query text with the given parameters' VALUES lines holding those values as
        typed terms (empty or absent: the default). ParameterError names a bad one."""
        text = self.text
        for parameter in self.variables:
            value = values.get(parameter.name, "").strip()
            if not value:
                continue
            term = parameter.term(value, base)
            block = _values_block(parameter.name).search(text)
            assert block is not None  # parse_query_file found it
            line = f"VALUES ?{parameter.name} {{ {term} }}"
            text = text[: block.start()] + line + text[block.end() :]
        return text


def parse_query_file(path: Path) -> CannedQuery:
    """Read one .rq file; a missing title or description is an error, not a blank."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if match:
            key = match["key"]
            fields.setdefault(key, []).append(match["value"].strip())
        elif key is not None and line.strip("# "):
            fields[key].append(line.lstrip("#").strip())
    missing = [k for k in ("title", "description") if k not in fields]
    if missing:
        raise ValueError(f"{path}: header lacks {', '.join(missing)} (lines '# title: ...')")
    parameters = [p for p in fields.get("parameters", []) if p and p.lower() != "none"]
    titles, descriptions = (
        {ENGLISH: " ".join(fields["title"])},
        {ENGLISH: " ".join(fields["description"])},
    )
    for lang, (title_key, description_key) in TRANSLATED_KEYS.items():
        if (title_key in fields) != (description_key in fields):
            raise ValueError(
                f"{path}: header has one of '# {title_key}:' and '# {description_key}:' "
                "without the other"
            )
        if title_key in fields:
            titles[lang] = " ".join(fields[title_key])
            descriptions[lang] = " ".join(fields[description_key])
    variables = [_parameter(text, line, path) for line in parameters]
    for lang, key in TRANSLATED_PARAMETER_KEYS.items():
        variables = _translated(variables, fields.get(key, []), lang, path, lang in titles)
    return CannedQuery(
        name=path.stem,
        title=titles[ENGLISH],
        description=descriptions[ENGLISH],
        titles=titles,
        descriptions=descriptions,
        parameters=parameters,
        variables=variables,
        text=text,
    )


def _translated(
    variables: list[Parameter], lines: list[str], lang: str, path: Path, translated: bool
) -> list[Parameter]:
    """The parameters with their descriptions in ``lang`` from its header lines; a header
    translated into ``lang`` must translate every parameter, and only those."""
    meanings = {}
    for line in lines:
        match = _PARAMETER.match(line)
        if match is None:
            raise ValueError(f"{path}: parameter line {line!r} is not '?name — meaning'")
        meanings[match["name"]] = match["description"]
    names = {v.name for v in variables}
    if (translated and set(meanings) != names) or not set(meanings) <= names:
        key = TRANSLATED_PARAMETER_KEYS[lang]
        raise ValueError(
            f"{path}: '# {key}:' must give every parameter ({', '.join(sorted(names))}) "
            f"in {lang}, and only those; it gives {', '.join(sorted(meanings)) or 'none'}"
        )
    return [
        replace(v, descriptions={ENGLISH: v.description, **v.descriptions, lang: meanings[v.name]})
        if v.name in meanings
        else v
        for v in variables
    ]


def load_queries(folder: Path | None = None) -> list[CannedQuery]:
    """Every query of the folder (the shipped queries/ by default), sorted by name."""
    folder = folder or resource_dir("queries")
    return [parse_query_file(path) for path in sorted(folder.glob("*.rq"))]
