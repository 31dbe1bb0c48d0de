"""The build publishes a complete snapshot, or nothing at all."""

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import OWL, RDF, Graph, Literal

from publisher.build import snapshot as snapshot_module
from publisher.build.pipeline import build, source_files
from publisher.build.reasoning import InconsistencyError
from publisher.build.snapshot import BuildBusyError, Snapshot, build_lock, current_snapshot
from publisher.cli.build import build as build_command
from publisher.rdf.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from publisher.rdf.parsing import InputError


def test_snapshot_keeps_asserted_and_inferred_apart(snapshot: Snapshot) -> None:
    asserted = Graph().parse(snapshot.dump_path("asserted", "nt"), format="nt")
    inferred = Graph().parse(snapshot.dump_path("inferred", "nt"), format="nt")
    everything = Graph().parse(snapshot.dump_path("all", "nt"), format="nt")
    assert len(asserted) == snapshot.manifest.triples.asserted
    assert len(inferred) == snapshot.manifest.triples.inferred > 0
    assert not set(asserted) & set(inferred)
    assert len(everything) == len(asserted) + len(inferred)


@pytest.mark.parametrize("extension,rdf_format", [("ttl", "turtle"), ("jsonld", "json-ld")])
def test_dumps_in_every_format_hold_the_same_graph(
    snapshot: Snapshot, extension: str, rdf_format: str
) -> None:
    for graph in ("asserted", "inferred", "all"):
        parsed = Graph().parse(snapshot.dump_path(graph, extension), format=rdf_format)
        assert len(parsed) == getattr(snapshot.manifest.triples, graph)


def test_store_holds_both_named_graphs(snapshot: Snapshot) -> None:
    store = ox.Store.read_only(str(snapshot.store_path))
    for graph_name, key in ((ASSERTED_GRAPH, "asserted"), (INFERRED_GRAPH, "inferred")):
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(str(graph_name)))
        assert sum(1 for _ in quads) == getattr(snapshot.manifest.triples, key)


def test_inferred_graph_holds_no_trivial_entailments(snapshot: Snapshot) -> None:
    inferred = Graph().parse(snapshot.dump_path("inferred", "nt"), format="nt")
    assert not any(isinstance(s, Literal) for s in inferred.subjects())
    assert not any(s == o for s, o in inferred.subject_objects(OWL.sameAs))
    assert (None, RDF.type, OWL.Thing) not in inferred


def test_manifest_counts_instances_per_class(snapshot: Snapshot) -> None:
    manifest = json.loads((snapshot.path / "manifest.json").read_text(encoding="utf-8"))
    per_class = manifest["instances_per_class"]
    assert per_class[str(OWL.Ontology)] == 1
    assert manifest["files"]["all.ttl"]["bytes"] == snapshot.dump_path("all", "ttl").stat().st_size


def test_syntax_error_names_file_and_line_and_publishes_nothing(
    home: Path, tmp_path: Path, folder_state: Callable[[Path], dict[str, bytes]]
) -> None:
    before = folder_state(home)
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://ex/> .\nex:a ex:b "unterminated .\n', encoding="utf-8")
    with pytest.raises(InputError) as raised:
        build(home, [bad])
    assert raised.value.path == bad and raised.value.line == 2
    assert folder_state(home) == before


def test_inconsistent_data_publishes_nothing(
    home: Path, tmp_path: Path, folder_state: Callable[[Path], dict[str, bytes]]
) -> None:
    before = folder_state(home)
    contradiction = tmp_path / "contradiction.ttl"
    contradiction.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<http://ex/a> owl:sameAs <http://ex/b> ; owl:differentFrom <http://ex/b> .\n",
        encoding="utf-8",
    )
    with pytest.raises(InconsistencyError):
        build(home, [contradiction])
    assert folder_state(home) == before


def test_failure_while_writing_leaves_previous_snapshot_and_no_debris(
    home: Path,
    tiny_data: Path,
    monkeypatch: pytest.MonkeyPatch,
    folder_state: Callable[[Path], dict[str, bytes]],
) -> None:
    before = folder_state(home)

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(snapshot_module, "_write_store", disk_full)
    with pytest.raises(OSError):
        build(home, [tiny_data])
    assert folder_state(home) == before
    assert not list((home / "snapshots").glob(".building-*"))

    # The command says what happened and exits 2, with no traceback.
    result = CliRunner().invoke(build_command, ["--home", str(home), "--data", str(tiny_data)])
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output
    assert "previous snapshot stays in use" in result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert folder_state(home) == before


def test_leftovers_of_killed_builds_are_removed_by_the_next_build(
    home: Path, tiny_data: Path
) -> None:
    staging = home / "snapshots" / ".building-killed"
    (staging / "store").mkdir(parents=True)
    (staging / "all.ttl").write_text("half", encoding="utf-8")
    link = home / ".current-killed"
    link.symlink_to(Path("snapshots") / ".building-killed")
    build(home, [tiny_data])
    assert not staging.exists() and not link.is_symlink()
    assert [p.name for p in home.iterdir() if p.name.startswith(".")] == []


def test_every_file_and_folder_is_on_disk_before_current_switches(
    tmp_path: Path, tiny_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    synced_before_switch: list[Path] = []
    fsync_path, switch_current = snapshot_module._fsync_path, snapshot_module._switch_current

    def recording_fsync(path: Path) -> None:
        synced.append(path)
        fsync_path(path)

    def recording_switch(home: Path, target: Path) -> None:
        synced_before_switch.extend(synced)
        switch_current(home, target)

    monkeypatch.setattr(snapshot_module, "_fsync_path", recording_fsync)
    monkeypatch.setattr(snapshot_module, "_switch_current", recording_switch)
    home = tmp_path / "home"
    published = build(home, [tiny_data]).snapshot
    staging = next(p for p in synced_before_switch if p.name.startswith(".building-"))
    in_snapshot = {
        p.relative_to(staging) for p in synced_before_switch if p.is_relative_to(staging)
    }
    on_disk = {p.relative_to(published.path) for p in published.path.rglob("*")}
    assert on_disk | {Path(".")} <= in_snapshot
    assert home / "snapshots" in synced_before_switch  # the rename into place
    assert synced[-1] == home  # the switch itself


def test_second_build_while_one_runs_fails_cleanly(home: Path, tmp_path: Path) -> None:
    current = current_snapshot(home)
    with build_lock(home), pytest.raises(BuildBusyError, match="another build is running"):
        build(home, [tmp_path / "never-read.ttl"])
    assert current_snapshot(home) == current


def test_concurrent_builds_leave_one_complete_current_snapshot(
    tmp_path: Path, tiny_data: Path, folder_state: Callable[[Path], dict[str, bytes]]
) -> None:
    home = tmp_path / "home"
    outcomes: list[str] = []

    def run() -> None:
        try:
            build(home, [tiny_data])
            outcomes.append("built")
        except BuildBusyError:
            outcomes.append("busy")

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "built" in outcomes and len(outcomes) == 4
    published = current_snapshot(home)
    assert published is not None
    assert folder_state(published.path).keys() >= {"manifest.json", "all.ttl", "asserted.nt"}


def test_old_snapshots_are_pruned(tmp_path: Path, tiny_data: Path) -> None:
    text = tiny_data.read_text(encoding="utf-8")
    home = tmp_path / "home"
    for index in range(snapshot_module.KEEP_SNAPSHOTS + 2):
        tiny_data.write_text(text + f"# revision {index}\n", encoding="utf-8")
        build(home, [tiny_data])
    kept = list((home / "snapshots").iterdir())
    assert len(kept) == snapshot_module.KEEP_SNAPSHOTS
    assert current_snapshot(home).path in kept  # type: ignore[union-attr]


def test_a_folder_of_data_means_every_turtle_file_in_it(tmp_path: Path, tiny_data: Path) -> None:
    folder = tmp_path / "city"
    (folder / "sub").mkdir(parents=True)
    tiny_data.rename(folder / "a.ttl")
    (folder / "sub" / "b.ttl").write_text((folder / "a.ttl").read_text(), encoding="utf-8")
    (folder / "notes.txt").write_text("not RDF", encoding="utf-8")
    files = source_files([folder])
    assert [p.name for p in files[1:]] == ["a.ttl", "b.ttl"]


def test_rebuilding_the_same_sources_in_one_second_publishes_a_new_snapshot(
    tmp_path: Path, tiny_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moments = iter(
        [datetime(2026, 11, 24, 12, 0, 0, 1, UTC), datetime(2026, 11, 24, 12, 0, 0, 2, UTC)]
    )

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> "Clock":  # type: ignore[override]
            return next(moments)  # type: ignore[return-value]

    monkeypatch.setattr(snapshot_module, "datetime", Clock)
    home = tmp_path / "home"
    first = build(home, [tiny_data]).snapshot
    second = build(home, [tiny_data]).snapshot
    assert second.version != first.version
    assert current_snapshot(home) == second


def test_a_build_killed_before_the_switch_cannot_push_the_served_snapshot_out(
    tmp_path: Path, tiny_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    for _ in range(snapshot_module.KEEP_SNAPSHOTS):
        build(home, [tiny_data])
    served = current_snapshot(home)
    assert served is not None
    pin = snapshot_module.SnapshotPin(served.path)  # what a server holds on its snapshot
    switch_current = snapshot_module._switch_current

    def killed_once(home: Path, target: Path) -> None:
        monkeypatch.setattr(snapshot_module, "_switch_current", switch_current)
        raise KeyboardInterrupt("killed between rename and switch")

    monkeypatch.setattr(snapshot_module, "_switch_current", killed_once)
    with pytest.raises(KeyboardInterrupt):
        build(home, [tiny_data])
    never_current = {p.name for p in (home / "snapshots").iterdir()} - set(
        (home / "published").read_text(encoding="utf-8").split()
    )
    assert len(never_current) == 1 and current_snapshot(home) == served

    build(home, [tiny_data])
    assert served.path.is_dir()  # the previous current one is always kept
    for _ in range(snapshot_module.KEEP_SNAPSHOTS):
        build(home, [tiny_data])
    assert (served.path / "manifest.json").is_file()  # pinned: still served
    kept = {p.name for p in (home / "snapshots").iterdir()}
    assert never_current.isdisjoint(kept)  # the killed build's folder is gone
    assert len(kept) == snapshot_module.KEEP_SNAPSHOTS + 1  # the newest ones and the pinned one

    pin.release()
    build(home, [tiny_data])
    assert not served.path.exists()
    assert len(list((home / "snapshots").iterdir())) == snapshot_module.KEEP_SNAPSHOTS


def test_a_pin_of_a_dead_server_does_not_hold_its_snapshot(home: Path, tiny_data: Path) -> None:
    old = current_snapshot(home)
    assert old is not None
    (old.path / "pins").mkdir()
    (old.path / "pins" / "999999.lock").write_text("", encoding="utf-8")  # no lock held
    assert not snapshot_module.is_pinned(old.path)
    assert not (old.path / "pins" / "999999.lock").exists()
    with_pin = snapshot_module.SnapshotPin(old.path)
    assert snapshot_module.is_pinned(old.path)
    with_pin.release()
    assert not snapshot_module.is_pinned(old.path)
