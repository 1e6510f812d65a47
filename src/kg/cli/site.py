"""kg site and kg serve: publish a built dataset as a static linked-data site, and preview it."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import main


@main.command()
@click.argument("out", required=False, type=click.Path(path_type=Path), default=Path("dist"))
@click.option("-o", "--site", "site", type=click.Path(path_type=Path, file_okay=False),
              default=Path("site"), show_default=True,
              help="Site folder to write (replaced whole; must be new, empty or an earlier kg site).")
@click.option("--base", envvar="KG_BASE",
              help="The dataset's IRI base [env KG_BASE; default: read from the data]; must match the build's.")
@click.option("--title", default="Archival documents as linked data", show_default=True,
              help="The site's name, shown on every page.")
def site(out: Path, site: Path, base: str | None, title: str) -> None:
    """Write a static site (HTML + Turtle + JSON-LD per resource) from a built OUT folder (default dist/)."""
    from kg.site import build_site

    report = build_site(out, site, base=base, title=title)
    click.echo(f"wrote {report.pages} pages ({report.documents} documents, {report.entities} entities), "
               f"{report.files} files into {site} for base {report.base}")
    if report.skipped_mentions:
        click.echo(f"note: {report.skipped_mentions} overlapping mentions were not highlighted", err=True)
    if report.unlinked_iris:
        click.echo(f"note: {len(report.unlinked_iris)} IRIs outside the base or unsafe as paths got no "
                   f"page, e.g. {report.unlinked_iris[0]}", err=True)


@main.command()
@click.argument("site", required=False, type=click.Path(path_type=Path, file_okay=False), default=Path("site"))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--quiet", is_flag=True, help="Do not log requests.")
def serve(site: Path, host: str, port: int, quiet: bool) -> None:
    """Preview a site from `kg site` (default site/) with the same content negotiation as the snippets."""
    from kg.serve import serve as run

    def ready(url: str) -> None:
        click.echo(f"serving {site} at {url} (Ctrl-C stops)")

    run(site, host, port, ready=ready, log=None if quiet else lambda line: click.echo(line, err=True))
