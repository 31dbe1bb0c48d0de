"""Fixtures for the publisher's routes: an app on the session snapshot, and its test client.

``app`` is shared by the whole session (a snapshot never changes, so neither does what
the app answers); a test that needs other settings asks ``make_app`` for its own app.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher.app import create_app, publication


@pytest.fixture(scope="session")
def app(snapshot_home: Path) -> Iterator[Flask]:
    """The publisher serving the shipped dataset with default settings (do not reconfigure)."""
    flask_app = create_app({"HOME": snapshot_home, "TESTING": True})
    yield flask_app
    with flask_app.app_context():
        publication().store.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_app(snapshot_home: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps with settings of the test's own (e.g. a short QUERY_TIMEOUT); closed after."""
    made: list[Flask] = []

    def factory(**config: Any) -> Flask:
        flask_app = create_app({"HOME": snapshot_home, "TESTING": True, **config})
        made.append(flask_app)
        return flask_app

    yield factory
    for flask_app in made:
        with flask_app.app_context():
            publication().store.close()
