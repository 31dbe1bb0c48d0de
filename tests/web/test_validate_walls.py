"""/validate's child stands behind a query process's walls: it is cut off from the network
(unshare, else seccomp, else it refuses unless MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES=1),
and it ends itself at its deadline even if no one is left to kill it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.sandbox import forkserver_context
from publisher.validation import upload
from publisher.validation.upload import DEADLINE_GRACE_SECONDS, UploadLimits
from tests.web.conftest import NO_SECCOMP
from tests.web.test_validate_limits import _typed_blank_nodes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]

_POST = """
import sys
from io import BytesIO
from publisher.web.app import create_app
config = {{"HOME": {home!r}, "TESTING": True, "ALLOW_UNWALLED_QUERIES": {allow!r}}}
client = create_app(config).test_client()
data = {{"file": (BytesIO(b'<http://example.org/a> <http://example.org/p> "x" .\\n'), "a.nt")}}
response = client.post("/validate", data=data, content_type="multipart/form-data")
print(response.status_code, response.get_data(as_text=True))
"""


def _post_upload(home: Path, allow: bool, nounshare: str, *launcher: str) -> tuple[str, str]:
    """What /validate answers a small upload in an app where unshare fails (stdout, and
    stderr, where the validation process warns)."""
    done = subprocess.run(
        [*launcher, sys.executable, "-c", _POST.format(home=str(home), allow=allow)],
        env={**os.environ, "LD_PRELOAD": nounshare},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def test_with_unshare_refused_the_seccomp_wall_holds_and_uploads_validate(
    snapshot_home: Path, nounshare: str
) -> None:
    stdout, stderr = _post_upload(snapshot_home, False, nounshare)
    assert stdout.startswith("200 "), stdout
    assert "WITH NETWORK ACCESS" not in stderr


def test_where_no_wall_holds_an_upload_is_refused_saying_what_to_change(
    snapshot_home: Path, nounshare: str
) -> None:
    stdout, _ = _post_upload(snapshot_home, False, nounshare, *NO_SECCOMP)
    assert stdout.startswith("503 "), stdout
    assert "the validation process cannot be cut off from the network" in stdout
    assert "unshare(CLONE_NEWNET) was refused" in stdout
    assert "MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES=1" in stdout


def test_the_setting_that_accepts_the_risk_validates_and_warns(
    snapshot_home: Path, nounshare: str
) -> None:
    stdout, stderr = _post_upload(snapshot_home, True, nounshare, *NO_SECCOMP)
    assert stdout.startswith("200 "), stdout
    assert "WARNING: validation process" in stderr
    assert "runs WITH NETWORK ACCESS" in stderr


def test_a_validation_ends_itself_at_its_deadline(tmp_path: Path) -> None:
    """No one kills it here (as when its web worker was killed): it ends by SIGALRM."""
    path = tmp_path / "slow.ttl"
    path.write_bytes(_typed_blank_nodes(15_000))
    limits = UploadLimits(max_triples=20_000, max_results=10, memory_mb=0, timeout=0.2)
    context = forkserver_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=upload._validate_in_child,
        args=(sender, path, "turtle", limits, "slow.ttl", os.getpid(), None),
    )
    process.start()
    sender.close()
    process.join(60)
    if process.exitcode is None:
        process.kill()
        process.join()
    assert process.exitcode == -signal.SIGALRM, (process.exitcode, DEADLINE_GRACE_SECONDS)
    receiver.close()
