"""Versioned, immutable snapshots: written beside the current one, switched atomically.

Layout under the home folder::

    snapshots/<version>/manifest.json   version, counts, instances per class, files
    snapshots/<version>/{asserted,inferred,all}.{ttl,nt,jsonld}
    snapshots/<version>/store/          Oxigraph store: graph/asserted + graph/inferred
    snapshots/<version>/charts/         org charts as SVG, and their data (org_charts.py)
    current -> snapshots/<version>      switched with one rename, so readers never see
                                        a half-written snapshot

    published                           versions that were once current, oldest first
    snapshots/<version>/pins/<pid>.lock  held (flock) by each process serving it

A build holds ``build.lock``; a second build started meanwhile fails at once instead of
racing it. Only the newest few published snapshots are kept, but never one a server
pins, never the current one and never the one current before it.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from platformdirs import user_data_dir
from rdflib import RDF, Graph

import publisher
from publisher.rdf.formats import DUMP_FORMATS, GRAPH_FORMATS, HTML, TURTLE, Format
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, PREFIXES
from publisher.rdf.terms import oxigraph_triples

if TYPE_CHECKING:
    from filelock import FileLock

HOME_ENV = "MUNICIPAL_ROLES_HOME"
KEEP_SNAPSHOTS = 3
PUBLISHED_FILE = "published"
PINS_FOLDER = "pins"

DUMP_GRAPHS = ("asserted", "inferred", "all")
DUMP_EXTENSIONS = tuple(fmt.extension for fmt in DUMP_FORMATS)
# Files made from a snapshot's store once it is written (name -> content).
Derived = Callable[[ox.Store], dict[str, bytes]]
# The ontology is published in every RDF format, and as HTML in each of its languages.
ONTOLOGY_STEM = "ontology"
ONTOLOGY_FORMATS: tuple[Format, ...] = GRAPH_FORMATS
HTML_LANGUAGES: tuple[str, ...] = ("en", "tr")


class BuildBusyError(Exception):
    """Another build holds the lock of this home folder."""


class SnapshotWriteError(OSError):
    """Writing a snapshot failed (disk full, permissions, I/O error); nothing was published."""


@dataclass(frozen=True)
class TripleCounts:
    """Triples of the asserted graph, of the inferred graph, and of both together."""

    asserted: int
    inferred: int
    all: int


@dataclass(frozen=True)
class FileInfo:
    """Size and checksum of one file of a snapshot, for DCAT and for downloads' ETags."""

    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` records of a snapshot (read back as the same typed object)."""

    version: str
    created: str  # ISO 8601, seconds
    sources_sha256: str
    triples: TripleCounts
    instances_per_class: dict[str, int]
    prefixes: dict[str, str]
    files: dict[str, FileInfo]
    software_version: str = ""
    sources: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Manifest":
        return cls(
            version=str(data["version"]),
            created=str(data["created"]),
            sources_sha256=str(data["sources_sha256"]),
            triples=TripleCounts(**data["triples"]),
            instances_per_class={str(k): int(v) for k, v in data["instances_per_class"].items()},
            prefixes=dict(data["prefixes"]),
            files={name: FileInfo(**info) for name, info in data["files"].items()},
            software_version=str(data.get("software_version", "")),
            sources=list(data.get("sources", [])),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def ontology_file_name(fmt: Format, language: str | None = None) -> str:
    """The file of the ontology in one format (HTML: in one language) in a snapshot."""
    if fmt is HTML:
        return f"{ONTOLOGY_STEM}.{language or HTML_LANGUAGES[0]}.html"
    return f"{ONTOLOGY_STEM}.{fmt.extension}"


@dataclass(frozen=True)
class Snapshot:
    """A published snapshot folder and its manifest."""

    path: Path
    manifest: Manifest

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def store_path(self) -> Path:
        return self.path / "store"

    def dump_path(self, graph: str, extension: str) -> Path:
        """The dump file of one graph (asserted, inferred, all) in one format."""
        if graph not in DUMP_GRAPHS or extension not in DUMP_EXTENSIONS:
            raise KeyError(f"no dump {graph}.{extension}")
        return self.path / f"{graph}.{extension}"

    def ontology_document(self, fmt: Format, language: str | None = None) -> Path | None:
        """The snapshot's ontology file in a format (HTML: in a language), or None."""
        if fmt is HTML and language not in HTML_LANGUAGES:
            return None
        if fmt is not HTML and fmt not in ONTOLOGY_FORMATS:
            return None
        path = self.path / ontology_file_name(fmt, language)
        return path if path.is_file() else None


def default_home() -> Path:
    """Where snapshots live: $MUNICIPAL_ROLES_HOME, else the user's data folder."""
    configured = os.environ.get(HOME_ENV)
    return Path(configured) if configured else Path(user_data_dir("municipal-roles"))


def current_snapshot_path(home: Path) -> Path | None:
    """The folder ``current`` points at, or None."""
    link = home / "current"
    return link.resolve() if link.exists() else None


def current_snapshot(home: Path) -> Snapshot | None:
    """The snapshot in use, or None when nothing has been built yet."""
    link = home / "current"
    if not link.exists():
        return None
    path = link.resolve()
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return Snapshot(path=path, manifest=Manifest.from_json(manifest))


def instances_per_class(*graphs: Graph) -> dict[str, int]:
    """How many resources each class has in the graphs together (they share no triple),
    most populous first."""
    counts = Counter(str(cls) for graph in graphs for cls in graph.objects(None, RDF.type))
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_dumps(
    folder: Path, graphs: dict[str, list[ox.Triple]], prefixes: dict[str, str]
) -> None:
    for name, triples in graphs.items():
        for fmt in DUMP_FORMATS:
            ox.serialize(
                triples,
                str(folder / f"{name}.{fmt.extension}"),
                fmt.rdf_format,
                prefixes=prefixes if fmt is TURTLE else None,
            )


def _write_store(folder: Path, asserted: list[ox.Triple], inferred: list[ox.Triple]) -> ox.Store:
    store = ox.Store(str(folder))
    for graph_name, triples in ((ASSERTED_GRAPH, asserted), (INFERRED_GRAPH, inferred)):
        name = ox.NamedNode(str(graph_name))
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
    store.flush()
    store.optimize()
    return store


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(folder: Path) -> None:
    """Every file, then every folder (deepest first), on disk: after a power loss
    ``current`` never points at an empty manifest or a half-written store."""
    for directory, _, files in os.walk(folder, topdown=False):
        for name in files:
            _fsync_path(Path(directory, name))
        _fsync_path(Path(directory))


def _remove_leftovers(home: Path) -> None:
    """Remove what killed builds left behind (run under the build lock, so none is live)."""
    for staging in (home / "snapshots").glob(".building-*"):
        shutil.rmtree(staging, ignore_errors=True)
    for link in home.glob(".current-*"):
        link.unlink(missing_ok=True)


def _switch_current(home: Path, target: Path) -> None:
    temporary = home / f".current-{uuid.uuid4().hex}"
    temporary.symlink_to(target.relative_to(home))
    os.replace(temporary, home / "current")
    _fsync_path(home)


def _published(home: Path) -> list[str]:
    """The versions that were once current, oldest first (all existing ones for a home
    written before the list was kept, when every snapshot had been current)."""
    path = home / PUBLISHED_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").split()
    return sorted(p.name for p in (home / "snapshots").iterdir() if not p.name.startswith("."))


def _record_published(home: Path, versions: list[str]) -> None:
    temporary = home / f".{PUBLISHED_FILE}-{uuid.uuid4().hex}"
    temporary.write_text("".join(f"{v}\n" for v in versions), encoding="utf-8")
    _fsync_path(temporary)
    os.replace(temporary, home / PUBLISHED_FILE)
    _fsync_path(home)


class SnapshotPin:
    """A serving process's hold on its snapshot: an exclusive flock on ``pins/<pid>.lock``.

    A lock rather than a bare pid file: the kernel drops it when the process dies, even
    by SIGKILL, so a crashed server never pins a snapshot forever and a recycled pid
    never passes for a live server.
    """

    def __init__(self, snapshot_path: Path) -> None:
        folder = snapshot_path / PINS_FOLDER
        folder.mkdir(exist_ok=True)
        self.path = folder / f"{os.getpid()}.lock"
        while True:
            self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)
            # Pruning may have removed a stale file of the same name between open and lock.
            if _same_file(self._descriptor, self.path):
                return
            os.close(self._descriptor)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._descriptor)


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def is_pinned(snapshot_path: Path) -> bool:
    """Whether a live process serves this snapshot; pins of dead processes are removed."""
    pinned = False
    for pin in sorted((snapshot_path / PINS_FOLDER).glob("*.lock")):
        try:
            descriptor = os.open(pin, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pinned = True
        else:
            pin.unlink(missing_ok=True)  # its process died without releasing it
        finally:
            os.close(descriptor)
    return pinned


def _prune(home: Path, final: Path, previous: Path | None) -> None:
    """Keep the newest KEEP_SNAPSHOTS published snapshots, and beyond them any that is
    current, was current just before, or is pinned by a server; drop the complete but never
    published folders that builds killed between rename and switch left."""
    spared = {final.name} | ({previous.name} if previous else set())
    published = [v for v in _published(home) if (home / "snapshots" / v).is_dir()]
    for version in published[:-KEEP_SNAPSHOTS]:
        if version not in spared and not is_pinned(home / "snapshots" / version):
            shutil.rmtree(home / "snapshots" / version, ignore_errors=True)
            published.remove(version)
    _record_published(home, published)
    for folder in (home / "snapshots").iterdir():
        never_current = folder.name not in published and not folder.name.startswith(".")
        if never_current and folder.name not in spared and not is_pinned(folder):
            shutil.rmtree(folder, ignore_errors=True)


def publish(
    home: Path,
    asserted: Graph,
    inferred: Graph,
    sources_digest: str,
    sources: list[str],
    documents: dict[str, bytes] | None = None,
    derived: Derived | None = None,
) -> Snapshot:
    """Write a snapshot of the asserted and inferred graphs and make it current; all or
    nothing. ``sources`` names the files it was built from.

    ``documents`` are further files (name -> content) published with it, such as the
    ontology's documentation; ``derived`` makes more from the snapshot's store once it is
    written (the search index), so that nothing loads the triples into a store again.
    """
    try:
        return _publish(home, asserted, inferred, sources_digest, sources, documents or {}, derived)
    except SnapshotWriteError:
        raise
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise SnapshotWriteError(
            error.errno, f"could not write the snapshot in {home}: {error.strerror or error}{where}"
        ) from error


def _publish(
    home: Path,
    asserted: Graph,
    inferred: Graph,
    sources_digest: str,
    sources: list[str],
    documents: dict[str, bytes],
    derived: Derived | None,
) -> Snapshot:
    (home / "snapshots").mkdir(parents=True, exist_ok=True)
    _remove_leftovers(home)
    published = _published(home)
    previous = current_snapshot_path(home)
    if previous is not None and previous.name not in published:
        published.append(previous.name)  # a build killed between switch and record
    _record_published(home, published)
    created = datetime.now(UTC)
    # Microseconds: two builds of the same sources within one second still get two names.
    version = f"{created:%Y%m%dT%H%M%S%fZ}-{sources_digest[:12]}"
    staging = home / "snapshots" / f".building-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        # Each graph is converted to Oxigraph's terms once and written from there; "all"
        # is the two lists together (an rdflib union of millions of triples costs minutes).
        asserted_triples = oxigraph_triples(asserted)
        inferred_triples = oxigraph_triples(inferred)
        novel = inferred  # what "all" adds to the asserted graph: the build's inferred graph
        if any(triple in asserted for triple in inferred):
            novel = Graph()
            for triple in inferred:
                if triple not in asserted:
                    novel.add(triple)
        novel_triples = inferred_triples if novel is inferred else oxigraph_triples(novel)
        prefixes = dict(PREFIXES)
        _write_dumps(
            staging,
            {
                "asserted": asserted_triples,
                "inferred": inferred_triples,
                "all": asserted_triples + novel_triples,
            },
            prefixes,
        )
        store = _write_store(staging / "store", asserted_triples, inferred_triples)
        made = derived(store) if derived is not None else {}
        del store  # closed before the folder is synced and renamed
        for name, content in {**documents, **made}.items():
            (staging / name).parent.mkdir(exist_ok=True)  # charts/ (org_charts.py)
            (staging / name).write_bytes(content)
        files = {
            p.name: FileInfo(bytes=p.stat().st_size, sha256=_sha256(p))
            for p in sorted(staging.iterdir())
            if p.is_file()
        }
        manifest = Manifest(
            version=version,
            created=created.isoformat(timespec="seconds"),
            sources_sha256=sources_digest,
            triples=TripleCounts(len(asserted), len(inferred), len(asserted) + len(novel)),
            instances_per_class=instances_per_class(asserted, novel),
            prefixes=prefixes,
            files=files,
            software_version=publisher.__version__,
            sources=sources,
        )
        (staging / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
        _fsync_tree(staging)
        final = home / "snapshots" / version
        os.rename(staging, final)
        _fsync_path(final.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch_current(home, final)
    _record_published(home, [*published, final.name])
    _prune(home, final, previous)
    return Snapshot(path=final, manifest=manifest)


def build_lock(home: Path) -> "FileLock":
    """The lock a build holds; acquiring it fails at once when another build runs.
    filelock is imported here: ``serve`` reads snapshots with this module, never builds."""
    from filelock import FileLock

    home.mkdir(parents=True, exist_ok=True)
    return FileLock(str(home / "build.lock"), timeout=0)
