"""The fork server's children import the installed code, whatever folder the server runs in."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.sandbox import forkserver_context

CHILD = """
import sys
from publisher.sandbox import forkserver_context

def where(queue):
    queue.put(sys.modules["publisher.store.worker"].__file__)

if __name__ == "__main__":
    context = forkserver_context()
    queue = context.Queue()
    process = context.Process(target=where, args=(queue,))
    process.start()
    print(queue.get(timeout=60))
    process.join()
"""


def test_a_publisher_folder_in_the_current_folder_is_not_preloaded(tmp_path: Path) -> None:
    decoy = tmp_path / "publisher" / "store"
    decoy.mkdir(parents=True)
    (tmp_path / "publisher" / "__init__.py").write_text("")
    (decoy / "__init__.py").write_text("")
    (decoy / "worker.py").write_text("DECOY = True\n")
    script = tmp_path / "elsewhere" / "start.py"
    script.parent.mkdir()
    script.write_text(CHILD)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = Path(done.stdout.strip())
    assert loaded.name == "worker.py"
    assert tmp_path not in loaded.parents, f"the fork server preloaded {loaded}"


def test_the_safe_path_setting_is_not_left_for_other_pythons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the fork server gets PYTHONSAFEPATH: a `python -c` that the same process starts
    later (a test's, an operator's hook) still finds modules in its current folder."""
    monkeypatch.delenv("PYTHONSAFEPATH", raising=False)
    forkserver_context()
    assert "PYTHONSAFEPATH" not in os.environ
