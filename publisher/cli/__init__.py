"""The ``municipal-roles`` command line: one click group, one module per subcommand.

Exit codes (DESIGN §6): 0 success or conforms, 1 does not conform, 2 usage or input error.
"""

import click

from publisher.cli.build import build
from publisher.cli.query import query
from publisher.cli.serve import serve
from publisher.cli.sheets_export import export
from publisher.cli.sheets_import import sheets_import
from publisher.cli.template import template
from publisher.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="municipal-roles")
def main() -> None:
    """Municipal government roles: build, validate, query and publish the dataset."""


for command in (build, serve, query, validate, template, sheets_import, export):
    main.add_command(command)
