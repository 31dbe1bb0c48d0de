"""Fixtures shared by every test area: a snapshot of the shipped dataset, built once."""

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
