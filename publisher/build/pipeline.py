"""The build: load ontology and data, validate, reason, publish a snapshot.

Every step runs before anything is published; a failure at any step leaves the current
snapshot in place and in use.
"""

import hashlib
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import Timeout
from rdflib import Graph
from rdflib.graph import ReadOnlyGraphAggregate

from publisher import __version__
from publisher.build.ontology_docs import ontology_documents
from publisher.build.org_charts import chart_documents
from publisher.build.reasoning import DEFAULT_REASONER, Reasoner, compute_closure
from publisher.build.search_index import SEARCH_INDEX_FILE, search_index_document
from publisher.build.snapshot import BuildBusyError, Snapshot, build_lock, publish
from publisher.rdf.namespaces import PREFIXES
from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE, turtle_files
from publisher.validation.context import context_files, published_context, relied_on
from publisher.validation.locations import locate
from publisher.validation.model import NonConformingError, ValidationReport, located
from publisher.validation.validator import load_files, ontology_graph, validate_graph

Step = Callable[[str], None]


@dataclass(frozen=True)
class StageTime:
    """How long one stage of a build took: wall seconds, and CPU seconds of this process
    and of the children it waited for (the validation's forked half)."""

    stage: str
    seconds: float
    cpu_seconds: float


@dataclass
class BuildResult:
    snapshot: Snapshot
    seconds: float
    # In the order run: where a build's time goes (bench/build).
    stages: list[StageTime] = field(default_factory=list)


def _cpu_seconds() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Stages:
    """Passes each step on and records how long each took."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.done: list[StageTime] = []
        self._current: tuple[str, float, float] | None = None

    def __call__(self, text: str) -> None:
        self.finish()
        self._current = (text, time.perf_counter(), _cpu_seconds())
        self.step(text)

    def finish(self) -> None:
        if self._current is not None:
            text, started, cpu = self._current
            self.done.append(StageTime(text, time.perf_counter() - started, _cpu_seconds() - cpu))
            self._current = None


def source_files(data: list[Path] | None = None) -> list[Path]:
    """The files a build reads: the ontology, then the data (the shipped data by default).

    A folder in ``data`` stands for every Turtle file below it.
    """
    if data is None:
        return [ONTOLOGY_FILE, *turtle_files("data")]
    files: list[Path] = []
    for path in data:
        files.extend(sorted(path.rglob("*.ttl")) if path.is_dir() else [path])
    return [ONTOLOGY_FILE, *files]


def sources_digest(paths: list[Path]) -> str:
    """A fingerprint of the sources, part of the snapshot version."""
    digest = hashlib.sha256(__version__.encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build(
    home: Path,
    data: list[Path] | None = None,
    step: Step = lambda _: None,
    reasoner: Reasoner = DEFAULT_REASONER,
) -> BuildResult:
    """Build and publish a snapshot under home; raise on any failure, publishing nothing."""
    started = time.perf_counter()
    step = stages = _Stages(step)
    lock = build_lock(home)
    try:
        lock.acquire()
    except Timeout:
        raise BuildBusyError(
            f"another build is running in {home} (lock {lock.lock_file}); wait for it to finish"
        ) from None
    try:
        paths = source_files(data)
        step(f"loading {len(paths)} files")
        if data is None:
            asserted = load_graph(paths)
            step(f"validating {len(asserted)} triples (SHACL)")
            report = _located(validate_graph(asserted, includes_ontology=True), asserted, paths)
        else:
            asserted, report = _steward_data(paths[1:], step)
            paths += context_files(paths[1:])
        for prefix, namespace in PREFIXES.items():
            asserted.bind(prefix, namespace)
        if report.has_violations:
            raise NonConformingError(report)
        step(f"reasoning (OWL 2 RL, {reasoner}) over {len(asserted)} triples")
        closure = compute_closure(asserted, reasoner)
        step("drawing org charts (Graphviz)")
        charts = chart_documents(ReadOnlyGraphAggregate([closure.asserted, closure.inferred]))
        step("indexing labels for search")
        documents = {
            **ontology_documents(ONTOLOGY_FILE),
            **charts,
            SEARCH_INDEX_FILE: search_index_document(closure.asserted, closure.inferred),
        }
        step("writing snapshot")
        snapshot = publish(
            home,
            closure.asserted,
            closure.inferred,
            sources_digest(paths),
            [p.name for p in paths],
            documents=documents,
        )
        stages.finish()
    finally:
        lock.release()
    return BuildResult(snapshot=snapshot, seconds=time.perf_counter() - started, stages=stages.done)


def _steward_data(files: list[Path], step: Step) -> tuple[Graph, ValidationReport]:
    """A steward's files validated in the published context, and the graph to publish.

    The steward's data is judged on its own nodes (as ``municipal-roles validate`` judges
    it); what is published is the ontology, the data and the published resources the data
    relies on, so that every position type, system or duty area it points at resolves.
    """
    steward = load_files(files)
    context = published_context(files)
    step(f"validating {len(steward)} triples (SHACL, with the published vocabulary)")
    report = _located(validate_graph(steward, context=context), steward, files)
    asserted = Graph()
    asserted += ontology_graph()
    asserted += steward
    asserted += relied_on(steward, context)
    return asserted, report


def _located(report: ValidationReport, graph: Graph, files: list[Path]) -> ValidationReport:
    """The report with the file and line of each violation's focus node, as ``validate``
    gives them (``graph`` was loaded from ``files`` in that order)."""
    if not report.has_violations:
        return report
    nodes = {r.focus for r in report.results if r.severity == "Violation"}
    return located(report, locate(nodes, graph, files))
