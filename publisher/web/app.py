"""The Flask application factory: configuration, the published snapshot, the blueprints.

Nothing runs at import time. ``create_app`` reads configuration (defaults, then
``MUNICIPAL_ROLES_*`` environment variables, then ``instance/config.py``, then the mapping
a test passes), opens the current snapshot read-only and registers one blueprint per area.
Views reach the snapshot, its store and the settings through
``publisher.web.publication.publication()``, never through this module.
"""

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from publisher.build.snapshot import current_snapshot, default_home
from publisher.web import http, language
from publisher.web.dispatch import Publisher
from publisher.web.fairness import CLIENT_QUERIES_FILE, ClientQueries
from publisher.web.publication import EXTENSION_KEY, Publication, open_store
from publisher.web.settings import Settings
from publisher.web.views import catalog, compare, pages, resources, search, sparql, validate


class NoSnapshotError(RuntimeError):
    """The home folder has no snapshot yet: run ``municipal-roles build`` first."""


def _configured(config: dict[str, Any] | None) -> Flask:
    app = Publisher(__name__, instance_relative_config=True)
    app.config.from_mapping(Settings.defaults())
    app.config.from_prefixed_env("MUNICIPAL_ROLES")
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.from_mapping(config)
    return app


def read_settings(config: dict[str, Any] | None = None) -> Settings:
    """The settings an app made with ``config`` would run with, read without opening
    anything, so that ``serve`` can refuse a wrong one before it starts any worker
    (ValueError saying which setting and why)."""
    return Settings.from_config(_configured(config).config)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Make the publisher app; ``config`` (tests) overrides every other setting."""
    app = _configured(config)
    settings = Settings.from_config(app.config)

    home = Path(settings.home) if settings.home else default_home()
    snapshot = current_snapshot(home)
    if snapshot is None:
        raise NoSnapshotError(
            f"no snapshot in {home}: run 'municipal-roles build --home {home}' first"
        )
    store = open_store(snapshot, settings)
    app.extensions[EXTENSION_KEY] = Publication(
        snapshot=snapshot,
        store=store,
        settings=settings,
        clients=ClientQueries(settings.client_queries, app.config.get(CLIENT_QUERIES_FILE)),
    )

    http.init_app(app)
    language.init_app(app)
    for blueprint in (
        sparql.bp,
        resources.bp,
        catalog.bp,
        pages.bp,
        compare.bp,
        search.bp,
        validate.bp,
    ):
        app.register_blueprint(blueprint)
    if settings.trusted_proxies:
        # Outermost, so that every path of the app sees the client's address (werkzeug's
        # ProxyFix reads X-Forwarded-For from the right, as many hops as are trusted);
        # scheme and host are PUBLIC_URL's to set, not a header's.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to add middleware
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=0, x_host=0
        )
    return app
