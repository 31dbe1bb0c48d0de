"""The build: load ontology and data, validate, reason, publish a snapshot.

Every step runs before anything is published; a failure at any step leaves the current
snapshot in place and in use.
"""

import gc
import hashlib
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from filelock import Timeout
from rdflib import OWL, Graph
from rdflib.graph import ReadOnlyGraphAggregate

from publisher import __version__
from publisher.build.incremental import (
    BatchOutcome,
    Count,
    Previous,
    Work,
    cache_documents,
    previous_outcome,
    read_previous,
    reason_batch,
    run_all,
    shared_digest,
    validate_batch,
    workers,
)
from publisher.build.ontology_docs import ontology_documents
from publisher.build.org_charts import chart_documents
from publisher.build.partitions import Partition, batch_count, batched, load_sources, plan
from publisher.build.reasoning import (
    DEFAULT_REASONER,
    Closure,
    Reasoner,
    compute_closure,
    union_of_batches,
)
from publisher.build.search_index import SEARCH_INDEX_FILE, search_index_document
from publisher.build.snapshot import (
    BuildBusyError,
    Snapshot,
    build_lock,
    current_snapshot_path,
    publish,
)
from publisher.rdf.namespaces import PREFIXES
from publisher.rdf.parsing import load_graph
from publisher.rdf.resources import ONTOLOGY_FILE, turtle_files
from publisher.validation.context import context_files, published_context, relied_on
from publisher.validation.locations import locate
from publisher.validation.model import NonConformingError, ValidationReport, located
from publisher.validation.validator import ontology_graph, validate_graph

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
    # The validation's outcome (warnings and notes: a build with a violation publishes
    # nothing), the same whether batches were reused or not.
    report: ValidationReport | None = None


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


def source_names(data: list[Path]) -> dict[Path, str]:
    """Each data file's name across builds: its path in the folder given, or its own name."""
    names: dict[Path, str] = {}
    for path in data:
        if path.is_dir():
            names.update((p, p.relative_to(path).as_posix()) for p in path.rglob("*.ttl"))
        else:
            names[path] = path.name
    return names


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
    full: bool = False,
    count: Count = lambda done, total: None,
    whole: bool = False,
) -> BuildResult:
    """Build and publish a snapshot under home; raise on any failure, publishing nothing.

    A build of ``data`` reuses what the current snapshot kept of the municipalities that
    did not change (``publisher.build.incremental``), unless ``full``. ``count`` is told
    how many batches of a partitioned stage are done, of how many. ``whole`` validates and
    reasons over the whole graph at once, as builds did before partitions (the baseline
    of bench/build).
    """
    with _few_collections():
        return _build(home, data, step, reasoner, full, count, whole)


# Python collects its youngest objects every 700 allocations, and a national build makes
# millions of terms and tuples that all live until the snapshot is written: loading
# 328,000 triples into one graph took 14.0 s of CPU at the default and 10.5 s at 50,000
# (8.2 s with no collection at all, which would also keep any cyclic garbage).
_BUILD_GC_THRESHOLD = (50_000, 10, 10)


@contextmanager
def _few_collections() -> Iterator[None]:
    old = gc.get_threshold()
    gc.set_threshold(*_BUILD_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _build(
    home: Path,
    data: list[Path] | None,
    step: Step,
    reasoner: Reasoner,
    full: bool,
    count: Count,
    whole: bool,
) -> BuildResult:
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
        documents: dict[str, bytes] = {}
        if data is None:
            asserted = load_graph(paths)
            for prefix, namespace in PREFIXES.items():
                asserted.bind(prefix, namespace)
            step(f"validating {len(asserted)} triples (SHACL)")
            report = _located(validate_graph(asserted, includes_ontology=True), asserted, paths)
            if report.has_violations:
                raise NonConformingError(report)
            step(f"reasoning (OWL 2 RL, {reasoner}) over {len(asserted)} triples")
            closure = compute_closure(asserted, reasoner)
        else:
            closure, documents, report = _steward_build(
                home, paths[1:], source_names(data), step, count, reasoner, full, whole
            )
            paths += context_files(paths[1:])
        step("drawing org charts (Graphviz)")
        charts = chart_documents(ReadOnlyGraphAggregate([closure.asserted, closure.inferred]))
        documents = {
            **documents,
            **ontology_documents(ONTOLOGY_FILE),
            **charts,
        }
        step("writing snapshot")

        def search_files(store: ox.Store) -> dict[str, bytes]:
            # The snapshot's files are then written, checksummed and synced in this stage.
            step("indexing labels for search, finishing the snapshot")
            return {SEARCH_INDEX_FILE: search_index_document(store)}

        snapshot = publish(
            home,
            closure.asserted,
            closure.inferred,
            sources_digest(paths),
            [p.name for p in paths],
            documents=documents,
            derived=search_files,
        )
        stages.finish()
    finally:
        lock.release()
    return BuildResult(
        snapshot=snapshot,
        seconds=time.perf_counter() - started,
        stages=stages.done,
        report=report,
    )


def _steward_build(
    home: Path,
    files: list[Path],
    names: dict[Path, str],
    step: Step,
    count: Count,
    reasoner: Reasoner,
    full: bool,
    whole: bool,
) -> tuple[Closure, dict[str, bytes], ValidationReport]:
    """A steward's files validated in the published context and reasoned over: by
    partition when the data allows it (``publisher.build.partitions``), reusing the
    current snapshot's outcomes of unchanged batches; the closure and the cache files.

    The steward's data is judged on its own nodes (as ``municipal-roles validate`` judges
    it); what is published is the ontology, the data and the published resources the data
    relies on, so that every position type, system or duty area it points at resolves.
    """
    sources = load_sources(files, names)
    steward = Graph()
    for source in sources:
        steward += source.triples
    context = published_context(files)
    relied = relied_on(steward, context)
    shared = Graph()
    shared += ontology_graph()
    shared += relied
    cut = plan(sources, shared)
    if whole or cut.whole_graph_reason is not None or not cut.partitions:
        why = "asked" if whole else cut.whole_graph_reason or "no file declares an organization"
        step(f"validating {len(steward)} triples (SHACL, with the published vocabulary)")
        report = _located(validate_graph(steward, context=context), steward, files)
        if report.has_violations:
            raise NonConformingError(report)
        asserted = _asserted(steward, relied)
        step(f"reasoning (OWL 2 RL, {reasoner}) over {len(asserted)} triples, whole ({why})")
        return compute_closure(asserted, reasoner), {}, report
    digest = shared_digest(reasoner, cut.shared, context_files(files))
    previous = None if full else read_previous(current_snapshot_path(home), digest)
    batches = previous.batches if previous else batch_count(cut.partitions)
    groups = batched(cut.partitions, batches)
    wanted = {b: {p.key: p.digest for p in group} for b, group in enumerate(groups) if group}
    outcomes: dict[int, BatchOutcome] = {}
    if previous is not None:
        for batch, partitions in wanted.items():
            old = previous_outcome(previous, batch)
            if old is not None and old.partitions == partitions and old.closure is not None:
                outcomes[batch] = old
    todo = sorted(set(wanted) - set(outcomes))
    step(_reuse_text(cut.partitions, previous, wanted, outcomes, todo, batches))
    for source in cut.shared:
        shared += source.triples  # reasoned with every batch, as the ontology is
    work = Work(groups, cut, context, shared, reasoner)
    step(
        f"validating {len(steward)} triples (SHACL, with the published vocabulary), "
        f"{len(todo)} batches"
    )
    # A pool per stage: its processes end (and their CPU time is counted) with the stage.
    jobs = [-1, *todo] if previous is None else todo
    with workers(work, len(jobs)) as pool:
        validated = run_all(pool, validate_batch, jobs, count)
    shared_results = previous.shared_results if previous else validated[-1]
    results = list(shared_results)
    for batch in sorted(wanted):
        results += outcomes[batch].results if batch in outcomes else validated[batch]
    report = _located(ValidationReport(tuple(results), len(steward)), steward, files)
    if report.has_violations:
        raise NonConformingError(report)
    asserted = _asserted(steward, relied)
    step(f"reasoning (OWL 2 RL, {reasoner}) over {len(asserted)} triples, {len(todo)} batches")
    with workers(work, len(todo)) as pool:
        closures = run_all(pool, reason_batch, todo, count)
    for batch in todo:
        outcomes[batch] = BatchOutcome(wanted[batch], validated[batch], closures[batch])
    closure = union_of_batches(
        asserted,
        shared,
        (outcomes[b].closure for b in sorted(outcomes)),  # type: ignore[misc]
    )
    if (None, OWL.sameAs, None) in closure.inferred:
        # An identity found in one partition could rewrite another's facts: no shortcut.
        step(f"reasoning (OWL 2 RL, {reasoner}) over {len(asserted)} triples, whole (owl:sameAs)")
        return compute_closure(asserted, reasoner), {}, report
    return (
        closure,
        cache_documents(digest, batches, list(shared_results), outcomes, previous),
        report,
    )


def _reuse_text(
    partitions: list[Partition],
    previous: Previous | None,
    wanted: dict[int, dict[str, str]],
    outcomes: dict[int, BatchOutcome],
    todo: list[int],
    batches: int,
) -> str:
    """What the build reuses, for a person: how many municipalities changed."""
    total = len(partitions)
    if previous is None:
        return f"{total:,} municipalities in {len(wanted):,} of {batches:,} batches; none reused"
    old = {k: d for o in outcomes.values() for k, d in o.partitions.items()}
    for batch in todo:
        found = previous_outcome(previous, batch)
        if found is not None:
            old.update(found.partitions)
    now = {p.key: p.digest for p in partitions}
    changed = sum(1 for key, d in now.items() if old.get(key) != d)
    removed = len(set(old) - set(now))
    reused = sum(len(o.partitions) for o in outcomes.values())
    return (
        f"{changed:,} of {total:,} municipalities changed, {removed:,} removed; reusing "
        f"{reused:,} (redoing {len(todo):,} of {batches:,} batches)"
    )


def _asserted(steward: Graph, relied: Graph) -> Graph:
    """The graph to publish: the steward's data (this very graph, to spare a copy of
    millions of triples), the ontology and the context the data relies on."""
    asserted = steward
    asserted += ontology_graph()
    asserted += relied
    for prefix, namespace in PREFIXES.items():
        asserted.bind(prefix, namespace)
    return asserted


def _located(report: ValidationReport, graph: Graph, files: list[Path]) -> ValidationReport:
    """The report with the file and line of each violation's focus node, as ``validate``
    gives them (``graph`` was loaded from ``files`` in that order)."""
    if not report.has_violations:
        return report
    nodes = {r.focus for r in report.results if r.severity == "Violation"}
    return located(report, locate(nodes, graph, files))
