"""kg link: reconcile unlinked entities with Wikidata, and apply a reviewer's decisions.

Options resolve here, once: flags > KG_* environment > defaults (see `kg link --help`).
"""

from __future__ import annotations

import os
import sys
from datetime import date as Date
from pathlib import Path

import click

from kg.cli import main

DEFAULT_LINKS = Path("links.sssom.tsv")
DEFAULT_REVIEW = Path("review.sssom.tsv")
DEFAULT_CACHE = Path(".kg-cache") / "sparql"


def _env_path(name: str, default: Path) -> Path:
    return Path(os.environ[name]) if os.environ.get(name) else default


@main.command()
@click.argument("out", required=False, type=click.Path(path_type=Path))
@click.option("--endpoint", metavar="URL",
              help="Wikidata-shaped SPARQL endpoint [env KG_WIKIDATA_ENDPOINT; default the "
                   "public Wikidata Query Service].")
@click.option("--links", type=click.Path(path_type=Path, dir_okay=False),
              help=f"Decisions file (SSSOM TSV) that `kg build --links` publishes "
                   f"[env KG_LINKS; default {DEFAULT_LINKS}].")
@click.option("--review", type=click.Path(path_type=Path, dir_okay=False),
              help=f"Review file written for a reviewer to edit [default {DEFAULT_REVIEW}].")
@click.option("--threshold", type=click.FloatRange(0.01, 1.0), default=0.9, show_default=True,
              help="Accept a candidate automatically at this confidence or above (and only if "
                   "no rival comes close).")
@click.option("--cache", type=click.Path(path_type=Path, file_okay=False),
              help=f"Folder of cached endpoint answers [env KG_CACHE; default {DEFAULT_CACHE}].")
@click.option("--offline", is_flag=True,
              help="Answer from the cache only; fail (exit 3) on a query it lacks.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=60, show_default=True,
              help="Seconds to wait for one answer.")
@click.option("--contact", metavar="EMAIL_OR_URL",
              help="How the endpoint's operators can reach you; sent in the User-Agent "
                   "[env KG_CONTACT].")
@click.option("--apply", "apply_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="REVIEW", help="Apply the accept/reject decisions of an edited review "
                                     "file to the links file, instead of reconciling.")
@click.option("--author", metavar="ID",
              help="With --apply: who decided, for rows whose author_id is empty, e.g. "
                   "orcid:0000-0002-1825-0097 [env KG_AUTHOR].")
@click.option("--date", "when", metavar="YYYY-MM-DD",
              help="With --apply: date of the decisions, for rows without one [default today].")
@click.option("--progress/--quiet", default=None,
              help="Show progress (default: only on a terminal).")
def link(out: Path | None, endpoint: str | None, links: Path | None, review: Path | None,
         threshold: float, cache: Path | None, offline: bool, timeout: float,
         contact: str | None, apply_file: Path | None, author: str | None, when: str | None,
         progress: bool | None) -> None:
    """Link unlinked persons, places and organisations in OUT (default dist/) to Wikidata.

    Sure candidates are accepted into the links file; the rest go to the review file. Edit
    its kg_decision column (accept / reject, or put another item in object_id and accept it),
    then run `kg link --apply REVIEW` and rebuild with `kg build --links LINKS`.
    """
    from kg import link as linking
    from kg.reconcile import DEFAULT_ENDPOINT, EndpointClient, user_agent

    links = links or _env_path("KG_LINKS", DEFAULT_LINKS)
    if apply_file is not None:
        if out is not None:
            raise click.UsageError("--apply takes the review file; give no OUT folder with it")
        result = linking.apply_review(apply_file, links,
                                      author=author or os.environ.get("KG_AUTHOR") or None,
                                      date=when or Date.today().isoformat())
        for old in result.replaced:
            click.echo(f"replaced: {old.subject_id} was {old.object_id}", err=True)
        click.echo(f"applied {len(result.accepted)} accepted and {len(result.rejected)} rejected "
                   f"links to {links}; {result.pending} candidates still pending in {apply_file}")
        click.echo(f"publish with: kg build --links {links}")
        return
    if author or when:
        raise click.UsageError("--author and --date go with --apply")
    review = review or DEFAULT_REVIEW
    show = sys.stderr.isatty() if progress is None else progress

    def on_retry(attempt: int, why: str, wait: float) -> None:
        click.echo(f"endpoint: {why}; retry {attempt} in {wait:.1f} s", err=True)

    client = EndpointClient(
        endpoint=endpoint or os.environ.get("KG_WIKIDATA_ENDPOINT") or DEFAULT_ENDPOINT,
        cache=cache or _env_path("KG_CACHE", DEFAULT_CACHE), offline=offline, timeout=timeout,
        agent=user_agent(contact or os.environ.get("KG_CONTACT") or None), on_retry=on_retry)

    def bar(done: int, total: int) -> None:
        sys.stderr.write(f"\rlink {done}/{total} entities ")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    report = linking.link(out or Path("dist"), client, links=links, review=review,
                          threshold=threshold, progress=bar if show else None)
    pending = {m.key for m in report.review if m.kg_decision == "pending"}
    excluded = sum(1 for m in report.review if m.kg_decision == "excluded")
    click.echo(
        f"{len(report.reconciliations)} unlinked entities reconciled against {client.endpoint} "
        f"({client.requests} queries sent, the rest from the cache {client.cache}):\n"
        f"  {len(report.accepted)} accepted automatically -> {links}\n"
        f"  {len(pending)} to review ({sum(1 for m in report.review if m.kg_decision == 'pending')}"
        f" candidates; {excluded} ruled-out namesakes shown with the reason) -> {review}\n"
        f"  {len(report.without_candidates)} without a plausible candidate\n"
        + (f"  {len(report.decided_before)} skipped: already linked in {links}\n"
           if report.decided_before else ""))
    if pending:
        click.echo(f"next: edit kg_decision in {review}, then `kg link --apply {review}`")
    click.echo(f"publish with: kg build --links {links}")
