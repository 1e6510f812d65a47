"""The kg command line: each command parses options, calls one library function, renders.

Exit codes: 0 ok, 1 data does not conform, 2 bad input or usage, 3 endpoint/network failure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kg import __version__
from kg.errors import EXIT_NONCONFORMING, KgError
from kg.settings import DEFAULT_BASE, Settings


class KgGroup(click.Group):
    """Turn library errors into one clear line and the documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=KgGroup)
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Publish archival documents as a validated CIDOC CRM knowledge graph."""


def _settings(base: str | None, authority: Path | None, jobs: int | None = None) -> Settings:
    return Settings(
        base=base or os.environ.get("KG_BASE") or DEFAULT_BASE,
        authority=authority or (Path(os.environ["KG_AUTHORITY"])
                                if os.environ.get("KG_AUTHORITY") else None),
        jobs=jobs or int(os.environ.get("KG_JOBS", "0") or 0) or (os.cpu_count() or 1),
    )


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Output folder (replaced whole when the build ends).")
@click.option("--base", help=f"Base IRI for minted IRIs [env KG_BASE; default {DEFAULT_BASE}].")
@click.option("--authority", type=click.Path(path_type=Path, dir_okay=False),
              help="Authority TSV [env KG_AUTHORITY; default the one shipped with kg].")
@click.option("-j", "--jobs", type=click.IntRange(1, 64),
              help="Worker processes [env KG_JOBS; default all cores].")
@click.option("--progress/--quiet", default=None,
              help="Show a progress bar (default: only on a terminal).")
def build(sources: tuple[Path, ...], out: Path, base: str | None, authority: Path | None,
          jobs: int | None, progress: bool | None) -> None:
    """Build the dataset from page copies (.txt), folders and CSV exports (default: data/)."""
    from kg.build import build as run_build

    settings = _settings(base, authority, jobs)
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


if __name__ == "__main__":
    main()
