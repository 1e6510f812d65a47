"""kg build, validate, queries, query: the core pipeline commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli import main, settings_from
from kg.cli.store import endpoint_options, remote_from
from kg.errors import EXIT_ENDPOINT, EXIT_NONCONFORMING
from kg.query import RENDERERS
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
@click.option("--incremental/--full", default=True, show_default=True,
              help="Take documents unchanged since the build in OUT (same source text, kg, "
                   "authority file and settings) from it instead of processing them again; "
                   "the output is byte-identical to a full build.")
@click.option("--progress/--quiet", default=None,
              help="Show a progress bar (default: only on a terminal).")
def build(sources: tuple[Path, ...], out: Path, base: str | None, authority: Path | None,
          jobs: int | None, links: Path | None, incremental: bool, progress: bool | None) -> None:
    """Build the dataset from page copies (.txt), folders and CSV exports (default: data/)."""
    from kg.build import build as run_build

    settings = settings_from(base, authority, jobs, links)
    show = sys.stderr.isatty() if progress is None else progress
    bar = _ProgressBar("build") if show else None
    report = run_build(list(sources) or [Path("data")], out, settings,
                       progress=bar.update if bar else None, incremental=incremental)
    if bar:
        bar.close()
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    bad = report.withheld
    for d in bad:
        click.echo(d.report.text(), err=True)
    click.echo(f"built {len(report.documents)} documents, {report.triples} triples into {out}"
               + (f" ({report.reused} unchanged, taken from the previous build)"
                  if report.reused else "")
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
            default = f", default {p.default}" if p.default is not None else ", required"
            click.echo(f"    --param {p.name}=...  ({p.kind}{default}) {p.doc}")


@main.command()
@click.argument("name")
@click.option("--data", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="A built output folder: its embedded store (OUT/store) once `kg load` made "
                   "one, else its dataset.nq.")
@click.option("--store", "store_path", type=click.Path(path_type=Path, file_okay=False),
              help="Query this embedded store folder instead.")
@endpoint_options(load=False)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter, bound as an RDF term of the parameter's kind.")
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)),
              default="table", show_default=True, help="How to print the rows.")
def query(name: str, data: Path, store_path: Path | None, endpoint: str | None, server: str,
          query_url: str | None, timeout: float, retries: int, params: tuple[str, ...],
          fmt: str) -> None:
    """Run a bundled query by NAME (see `kg queries`) or a .rq file, and print the rows.

    Rows cut short by a server (Virtuoso's ResultSetMaxRows) are printed, marked
    TRUNCATED, with a warning on stderr and exit code 3: never passed off as complete.
    """
    from kg.query import load_query, render, run_store
    from kg.store import query_store

    values = {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep:
            raise click.BadParameter(f"{p!r} is not NAME=VALUE", param_hint="--param")
        values[key.strip()] = value
    q = load_query(name)
    if endpoint or query_url:
        from kg.remote import run_remote

        if store_path is not None:
            raise click.UsageError("--store is the embedded store; it cannot go with --endpoint")
        remote = remote_from(endpoint, server, query_url, timeout, retries)
        result = run_remote(remote, q, values)
    else:
        result = run_store(query_store(data, store_path), q, values)
    click.echo(render(result, fmt), nl=False)
    if result.truncated:
        click.echo(f"error: the server returned only {len(result.rows)} rows and says there are "
                   "more (its row limit, e.g. Virtuoso's ResultSetMaxRows): the result is "
                   "INCOMPLETE; raise the server's limit, or narrow the query", err=True)
        sys.exit(EXIT_ENDPOINT)


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

