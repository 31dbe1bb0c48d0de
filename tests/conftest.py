"""Fixtures shared by every test area: a snapshot of the shipped dataset, built once."""

from collections.abc import Callable
from pathlib import Path

import pytest

from publisher.build import build
from publisher.snapshot import Snapshot


@pytest.fixture(scope="session")
def snapshot_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder holding one snapshot of the shipped dataset."""
    home = tmp_path_factory.mktemp("home")
    build(home)
    return home


@pytest.fixture(scope="session")
def snapshot(snapshot_home: Path) -> Snapshot:
    """The snapshot of the shipped dataset (read-only: tests must not change it)."""
    from publisher.snapshot import current_snapshot

    found = current_snapshot(snapshot_home)
    assert found is not None
    return found


def _folder_state(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}


@pytest.fixture
def folder_state() -> Callable[[Path], dict[str, bytes]]:
    """Every file below a folder with its bytes: proof that a failed step changed nothing."""
    return _folder_state
