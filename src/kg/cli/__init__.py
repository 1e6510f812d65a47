"""The kg command line: each command parses options, calls one library function, renders.

One module per command group; each registers its commands on `main` when imported below.

Exit codes: 0 ok, 1 data does not conform, 2 bad input or usage, 3 endpoint/network failure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kg import __version__
from kg.errors import KgError
from kg.settings import DEFAULT_BASE, Settings


class KgGroup(click.Group):
    """Turn library errors into one clear line and the documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: the previous output is left as it was", err=True)
            sys.exit(130)


@click.group(cls=KgGroup)
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Publish archival documents as a validated CIDOC CRM knowledge graph."""


def settings_from(base: str | None, authority: Path | None, jobs: int | None = None,
                  links: Path | None = None) -> Settings:
    """Resolve flags > KG_* environment > defaults into one Settings (the only env reads)."""
    return Settings(
        base=base or os.environ.get("KG_BASE") or DEFAULT_BASE,
        authority=authority or (Path(os.environ["KG_AUTHORITY"])
                                if os.environ.get("KG_AUTHORITY") else None),
        links=links or (Path(os.environ["KG_LINKS"]) if os.environ.get("KG_LINKS") else None),
        jobs=jobs or int(os.environ.get("KG_JOBS", "0") or 0) or (os.cpu_count() or 1),
    )


# Commands register themselves on `main`; imported eagerly (lazy loading invites cycles).
from kg.cli import build as _build  # noqa: E402,F401
from kg.cli import evaluate as _evaluate  # noqa: E402,F401
from kg.cli import link as _link  # noqa: E402,F401
from kg.cli import site as _site  # noqa: E402,F401
from kg.cli import store as _store  # noqa: E402,F401
