"""Validate RDF against the project's SHACL shapes, for stewards, uploads and the build.

The public interface (used by the CLI, the build gate and the web /validate page):
``validate_graph(graph)`` and ``validate_files(paths)`` return a ``ValidationReport``;
``publisher.validation.report`` renders it as text, JSON, Turtle or a dict for HTML.

The ontology is always part of the validated graph so that class hierarchies are known
(an mr:EducationRequirement is an mr:QualificationRequirement); no other inference runs,
because the shapes need none. Files are validated with the published dataset as context
(``publisher.validation.context``): they may point at its position types, systems, duty
areas and sources, and results are reported only for the files' own nodes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path

from rdflib import RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.i18n import _
from publisher.rdf.namespaces import PREFIXES, compact_iri
from publisher.rdf.parsing import EXTENSIONS, InputError, iter_triples, load_graph
from publisher.rdf.resources import ONTOLOGY_FILE, resource_dir, turtle_files
from publisher.validation.codes import code_results
from publisher.validation.context import own_nodes, published_context, relied_on
from publisher.validation.core_sparql import sparql_path
from publisher.validation.engine import run_shapes
from publisher.validation.limits import ParseLimits, check_parse
from publisher.validation.locations import locate
from publisher.validation.model import MRSH, SH, ValidationReport, ValidationResult, located
from publisher.validation.terminal import terminal_safe
from publisher.validation.vocabulary import vocabulary_results

_log = logging.getLogger(__name__)

Progress = Callable[[str], None]

CLASS_HIERARCHIES_FILE = resource_dir("ontology") / "class-hierarchies.ttl"


def shape_files() -> list[Path]:
    """The shipped shapes files (one per area)."""
    return turtle_files("shapes")


@cache
def shapes_graph() -> Graph:
    """The shapes of every area in one graph, parsed once per process."""
    return load_graph(shape_files())


@cache
def ontology_graph() -> Graph:
    """The ontology, parsed once per process; it gives the class hierarchy.

    Its blank nodes get ids of their own (o0x...), so that they never meet those of the
    files validated with it (f0x...).
    """
    return load_graph([ONTOLOGY_FILE], blank_prefix="o")


@cache
def class_hierarchies() -> Graph:
    """The outside vocabularies' class hierarchies the shapes follow (ORG's, FOAF's),
    read with every data graph validated and never published: a steward's
    org:FormalOrganization is an org:Organization (ontology/class-hierarchies.ttl)."""
    return load_graph([CLASS_HIERARCHIES_FILE])


def rdf_files(paths: Iterable[Path]) -> list[Path]:
    """The files named; a folder stands for every RDF file below it (by extension)."""
    return list(_named_files(paths))


def _named_files(paths: Iterable[Path]) -> dict[Path, Path]:
    """Each file to read, with the name reports give it: a file named alone by its own
    name (``city.ttl``, as an upload is), a file of a folder by its path from that folder
    as given (``my-city/pay/2025.ttl``)."""
    files: dict[Path, Path] = {}
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in EXTENSIONS and _inside(p, path)
            )
            if not found:
                raise InputError(
                    path,
                    _(
                        "the folder holds no RDF file ({extensions})",
                        extensions=", ".join(EXTENSIONS),
                    ),
                )
            files.update((p, path / p.relative_to(path)) for p in found)
        else:
            files[path] = Path(path.name)
    return files


def _inside(path: Path, folder: Path) -> bool:
    """Whether a file found in a folder really lies in it; a symbolic link out of it (to
    /etc/passwd, say) is skipped with a warning, never read nor quoted in an error."""
    if path.resolve().is_relative_to(folder.resolve()):
        return True
    _log.warning(
        _(
            "warning: skipping {path}: a symbolic link out of {folder}",
            path=terminal_safe(str(path)),
            folder=terminal_safe(str(folder)),
        )
    )
    return False


class InputErrors(InputError):
    """Several files that cannot be used: each keeps its own place (file:line:column)."""

    def __init__(self, errors: list[InputError]) -> None:
        first = errors[0]
        super().__init__(first.path, first.message, first.line, first.column)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


def load_files(
    files: list[Path],
    input_format: str | None = None,
    base_iri: str | None = None,
    limits: ParseLimits | None = None,
) -> Graph:
    """One graph of the files; every file that cannot be used or holds no triple is named.

    Each file is tried, so a folder with two broken files reports both (InputErrors).
    With ``limits``, each file is first parsed under them in a child process
    (``publisher.validation.limits``), and one past them is never loaded.
    """
    graph = Graph()
    refused = check_parse(files, input_format, base_iri, limits) if limits else {}
    errors: list[InputError] = []
    for index, path in enumerate(files):
        if path in refused:
            errors.append(refused[path])
            continue
        before = len(graph)
        try:
            load_graph([path], input_format, base_iri, blank_prefix=f"f{index}x", into=graph)
        except InputError as error:
            errors.append(error)
            continue
        if len(graph) == before and next(iter_triples(path, input_format, base_iri), None) is None:
            errors.append(InputError(path, _("the file holds no RDF triple: nothing to validate")))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
    return graph


def validate_files(
    paths: Iterable[Path],
    input_format: str | None = None,
    progress: Progress = lambda _: None,
    base_iri: str | None = None,
    with_context: bool = True,
    limits: ParseLimits | None = None,
) -> ValidationReport:
    """Load files (read-only, never fetching anything) and validate them in context.

    The ontology and (unless ``with_context`` is false) the published dataset are loaded
    beside the files; results are reported for the files' own nodes only. Raises
    InputError for a file that cannot be used. ``base_iri`` resolves relative IRIs (by
    default each file's own path). ``limits`` bound each file's parse (``load_files``).
    """
    names = _named_files(paths)
    files = list(names)
    progress(_("loading {count} file(s)", count=len(files)))
    graph = load_files(files, input_format, base_iri, limits)
    context = published_context(files) if with_context else None
    report = validate_graph(graph, context=context, progress=progress)
    focus_nodes = {r.focus for r in report.results}
    locations = locate(focus_nodes, graph, files, input_format, base_iri)
    return located(
        report, {node: replace(at, file=names[at.file]) for node, at in locations.items()}
    )


def validate_graph(
    graph: Graph,
    *,
    includes_ontology: bool = False,
    context: Graph | None = None,
    progress: Progress = lambda _: None,
    scratch: bool = False,
) -> ValidationReport:
    """Validate a data graph with the shipped shapes; the graph is not modified, unless it
    is ``scratch``: a copy of the caller's own, which the context and ontology are then
    added to in place (a build's batch, sparing a copy of each of its triples).

    Pass ``includes_ontology=True`` when the ontology is already in the graph (the build's
    graph); otherwise it is added to a copy. With a ``context`` graph (published resources
    the data may point at), the two are validated together and only results on the
    graph's own nodes are kept. Only the part of the context the graph relies on is
    loaded (``publisher.validation.context.relied_on``).
    """
    triples = len(graph)
    extended = not includes_ontology or context is not None
    if extended:
        progress(_("validating {count} triples", count=triples))
    # What is read of the data alone comes first: a scratch graph is extended below.
    raw = vocabulary_results(graph, ontology_graph(), shapes_graph())
    raw += code_results(graph, shapes_graph())
    own = own_nodes(graph) if context is not None else None
    data = graph
    if extended:
        relied = relied_on(graph, context) if context is not None else None
        if not scratch:
            data = Graph()
            data += graph
        if relied is not None:
            data += relied
        if not includes_ontology:
            data += ontology_graph()
    raw = run_shapes(data, shapes_graph(), hierarchies=class_hierarchies()) + raw
    if own is not None:
        raw = [r for r in raw if r.focus in own]
    return ValidationReport(
        results=tuple(_describe(data, shapes_graph(), r) for r in raw),
        triples=triples,
    )


def _describe(data: Graph, shapes: Graph, raw: ValidationResult) -> ValidationResult:
    """The result with messages and hints from its shape and labels of its focus node."""
    return ValidationResult(
        focus=raw.focus,
        path=raw.path,
        value=raw.value,
        severity=raw.severity,
        shape=raw.shape,
        component=raw.component,
        messages=raw.messages or _texts(shapes, raw.shape, SH.message),
        hints=_texts(shapes, raw.shape, MRSH.hint),
        focus_labels=_labels(data, raw.focus),
        path_text=path_text(shapes, raw.path) if raw.path is not None else "",
    )


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    texts: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            texts.setdefault(value.language or "", str(value))
    return texts


def _labels(graph: Graph, node: Node) -> dict[str, str]:
    labels: dict[str, str] = {}
    for predicate in (SKOS.prefLabel, RDFS.label):
        for lang, text in _texts(graph, node, predicate).items():
            labels.setdefault(lang, text)
    return labels


def path_text(shapes: Graph, path: Node) -> str:
    """A SHACL property path written as a SPARQL path with prefixes (e.g. ``^mr:requires``)."""
    return sparql_path(shapes, path, name=_prefixed)


def _prefixed(iri: URIRef) -> str:
    short = compact_iri(str(iri), PREFIXES)
    return short if short != str(iri) else f"<{iri}>"
