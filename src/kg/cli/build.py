"""kg build, validate, queries, query: the core pipeline commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli import main, settings_from
from kg.errors import EXIT_NONCONFORMING
from kg.settings import DEFAULT_BASE


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Output folder (replaced whole when the build ends).")
@click.option("--base", help=f"Base IRI for minted IRIs [env KG_BASE; default {DEFAULT_BASE}].")
@click.option("--authority", type=click.Path(path_type=Path, dir_okay=False),
              help="Authority TSV [env KG_AUTHORITY; default the one shipped with kg].")
@click.option("-j", "--jobs", type=click.IntRange(1, 64),
              help="Worker processes [env KG_JOBS; default all cores].")
@click.option("--links", type=click.Path(path_type=Path, dir_okay=False),
              help="Accepted Wikidata links (SSSOM TSV from `kg link`) [env KG_LINKS].")
@click.option("--progress/--quiet", default=None,
              help="Show a progress bar (default: only on a terminal).")
def build(sources: tuple[Path, ...], out: Path, base: str | None, authority: Path | None,
          jobs: int | None, links: Path | None, progress: bool | None) -> None:
    """Build the dataset from page copies (.txt), folders and CSV exports (default: data/)."""
    from kg.build import build as run_build

    settings = settings_from(base, authority, jobs, links)
    show = sys.stderr.isatty() if progress is None else progress
    bar = _ProgressBar("build") if show else None
    report = run_build(list(sources) or [Path("data")], out, settings,
                       progress=bar.update if bar else None)
    if bar:
        bar.close()
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    bad = [d for d in report.documents if not d.report.conforms]
    for d in bad:
        click.echo(d.report.text(), err=True)
    click.echo(f"built {len(report.documents)} documents, {report.triples} triples into {out}"
               + (f"; {len(report.errors)} sources not read (see {out}/errors.txt)"
                  if report.errors else "")
               + (f"; {len(bad)} do not conform (see {out}/validation.txt)" if bad else ""))
    if bad:
        sys.exit(EXIT_NONCONFORMING)
    if report.errors:
        sys.exit(2)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Validate a built output folder (default dist/) or RDF files against kg's SHACL shapes."""
    from kg.build import validate_paths

    reports = validate_paths(list(paths) or [Path("dist")])
    bad = [r for r in reports if not r.conforms]
    for r in reports:
        if not r.conforms or r.violations:
            click.echo(r.text())
    click.echo(f"{len(reports) - len(bad)} of {len(reports)} graphs conform")
    if bad:
        sys.exit(EXIT_NONCONFORMING)


@main.command()
def queries() -> None:
    """List the bundled queries with their descriptions and parameters."""
    from kg.query import bundled

    for name, q in bundled().items():
        click.echo(f"{name}: {q.title}")
        if q.description:
            click.echo(f"    {q.description}")
        for p in q.params:
            click.echo(f"    --param {p.name}=...  {p.doc}")


@main.command()
@click.argument("name")
@click.option("--data", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="A built output folder (its dataset.nq is queried).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter, bound as an RDF literal.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]),
              default="table", show_default=True, help="How to print the rows.")
def query(name: str, data: Path, params: tuple[str, ...], fmt: str) -> None:
    """Run a bundled query by NAME (see `kg queries`) or a .rq file, and print the rows."""
    from kg.query import load_query, open_dataset, render, run_store

    values = {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep:
            raise click.BadParameter(f"{p!r} is not NAME=VALUE", param_hint="--param")
        values[key.strip()] = value
    q = load_query(name)
    store = open_dataset(data / "dataset.nq" if data.is_dir() else data)
    click.echo(render(run_store(store, q, values), fmt), nl=False)


class _ProgressBar:
    """Documents done, rate and an estimate, redrawn on one terminal line (stderr)."""

    def __init__(self, label: str) -> None:
        import time
        self.label = label
        self.start = time.monotonic()
        self.clock = time.monotonic

    def update(self, done: int, total: int) -> None:
        elapsed = max(self.clock() - self.start, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate else 0
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
                         f" {rate:.1f} docs/s, {eta:.0f}s left ")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")

