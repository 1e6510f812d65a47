"""kg eval: precision and recall of the parser against a gold file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.cli import main, settings_from


@main.command(name="eval")
@click.argument("gold", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--authority", type=click.Path(path_type=Path, dir_okay=False),
              help="Authority TSV [env KG_AUTHORITY; default the one shipped with kg].")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Print a table or the full JSON report.")
def evaluate(gold: Path, sources: tuple[Path, ...], authority: Path | None, fmt: str) -> None:
    """Score parsing of SOURCES (default data/) against the hand-checked facts in GOLD."""
    from kg.evaluate import evaluate as run

    report = run(gold, list(sources) or [Path("data")], settings_from(None, authority, 1))
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), indent=1, sort_keys=True))
    else:
        click.echo(report.table(), nl=False)
