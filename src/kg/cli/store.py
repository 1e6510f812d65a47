"""kg load: put a built dataset into the embedded store or a remote SPARQL server.

Also the endpoint options and their resolution (flags > KG_ENDPOINT_* environment > netrc),
shared with `kg query`: the only place credentials are read, and they are never echoed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg.cli import main
from kg.errors import EXIT_ENDPOINT, InputError
from kg.remote import (
    GRAPH_STORE_CHUNK_TRIPLES,
    PROTOCOLS,
    SERVERS,
    Credentials,
    Endpoint,
    HttpClient,
    RemoteStore,
    netrc_credentials,
    split_userinfo,
)
from kg.store import DEFAULT_STORE

SERVER_HELP = "; ".join(f"{name}: {kind.doc}" for name, kind in SERVERS.items())


def endpoint_options(*, load: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The --endpoint family of options (the write URLs only where they make sense: load)."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option("--endpoint", metavar="URL",
                         help="A SPARQL server instead of the embedded store: its base URL with "
                              "--server oxigraph|virtuoso, else the query URL. Credentials come "
                              "from KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD, or your netrc file."),
            click.option("--server", type=click.Choice(list(SERVERS)), default="generic",
                         show_default=True, help=f"Kind of server, for default URLs ({SERVER_HELP})."),
            click.option("--query-url", metavar="URL", help="SPARQL query URL (overrides --server)."),
            click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
                         help="Seconds to wait for each answer."),
            click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
                         help="Retries, with backoff, on 429/5xx answers and lost connections."),
        ]
        if load:
            options += [
                click.option("--update-url", metavar="URL", help="SPARQL Update URL."),
                click.option("--store-url", metavar="URL",
                             help="Graph Store Protocol URL (without it, generic servers get "
                                  "SPARQL Update)."),
            ]
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def credentials_for(url: str) -> tuple[str, Credentials | None]:
    """Resolve credentials at the edge: user:pass@ in the URL > environment > netrc."""
    bare, in_url = split_userinfo(url)
    if in_url is not None:
        return bare, in_url
    user = os.environ.get("KG_ENDPOINT_USER")
    password = os.environ.get("KG_ENDPOINT_PASSWORD")
    if user is not None or password is not None:
        if not user or password is None:
            raise InputError("KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD go together",
                             hint="set both, or neither (then your netrc file is read)")
        return bare, Credentials(user, password)
    return bare, netrc_credentials(bare, os.environ.get("NETRC"))


def remote_from(endpoint: str | None, server: str, query_url: str | None, timeout: float,
                retries: int, update_url: str | None = None,
                store_url: str | None = None) -> RemoteStore:
    """The RemoteStore the endpoint options describe, with its own HttpClient."""
    url = endpoint or query_url
    if url is None:
        raise InputError("no endpoint given", hint="pass --endpoint URL")
    url, creds = credentials_for(url)
    query_url = split_userinfo(query_url)[0] if query_url else None
    ep = Endpoint.for_server(url, server, query_url=query_url, update_url=update_url,
                             store_url=store_url, authenticated=creds is not None)
    return RemoteStore(ep, HttpClient(creds, timeout=timeout, retries=retries))


def _progress(label: str, show: bool | None) -> tuple[Callable[[int, int], None] | None,
                                                      Callable[[], None]]:
    from kg.cli.build import _ProgressBar

    if not (sys.stderr.isatty() if show is None else show):
        return None, lambda: None
    bar = _ProgressBar(label)
    return bar.update, bar.close


@main.command()
@click.argument("out", type=click.Path(path_type=Path), default=Path("dist"))
@click.option("--store", "store_path", type=click.Path(path_type=Path, file_okay=False),
              help=f"The embedded store's folder [default OUT/{DEFAULT_STORE}].")
@click.option("--prune", is_flag=True,
              help="Also remove graphs of documents that are no longer in the dataset.")
@click.option("--verify-only", is_flag=True,
              help="Load nothing: compare each graph's triple count in the store with the dataset.")
@click.option("--full", is_flag=True,
              help="Embedded store: send every graph, also those unchanged since the last "
                   "verified load (by manifest digest).")
@endpoint_options(load=True)
@click.option("--protocol", type=click.Choice(PROTOCOLS), default="auto", show_default=True,
              help="How graphs go to a server: auto = Graph Store Protocol when there is a "
                   "store URL, else SPARQL Update in batches.")
@click.option("--chunk-triples", type=click.IntRange(min=1), default=GRAPH_STORE_CHUNK_TRIPLES,
              show_default=True, help="Largest number of triples in one Graph Store request.")
@click.option("--progress/--quiet", default=None,
              help="Show a progress bar (default: only on a terminal).")
def load(out: Path, store_path: Path | None, prune: bool, verify_only: bool, full: bool,
         endpoint: str | None, server: str, query_url: str | None, timeout: float, retries: int,
         update_url: str | None, store_url: str | None, protocol: str, chunk_triples: int,
         progress: bool | None) -> None:
    """Load a built dataset (OUT, default dist/) into the embedded store or a SPARQL server.

    Each document's named graph is replaced whole, so loading again never duplicates; then
    each graph sent is counted in the store and checked against the dataset (exit 3 if any
    differs). Into the embedded store, graphs unchanged since its last verified load (same
    digest in manifest.jsonl) are not sent again (--full sends them). Examples:

    \b
      kg load dist                                  # embedded store in dist/store
      kg load dist --endpoint http://localhost:7878 --server oxigraph
      KG_ENDPOINT_USER=dba KG_ENDPOINT_PASSWORD=... \\
        kg load dist --endpoint http://localhost:8890 --server virtuoso
    """
    from kg.remote import load_remote, verify_remote
    from kg.store import load_embedded, read_dataset, verify_embedded

    dataset = read_dataset(out)
    update, close = _progress("load", progress)
    if endpoint or query_url or store_url:
        if store_path is not None:
            raise click.UsageError("--store is the embedded store; it cannot go with --endpoint")
        remote = remote_from(endpoint, server, query_url, timeout, retries, update_url, store_url)
        if verify_only:
            report = verify_remote(dataset, remote)
        else:
            report = load_remote(dataset, remote, prune=prune, protocol=protocol,
                                 chunk_triples=chunk_triples, progress=update)
    else:
        path = store_path or (out / DEFAULT_STORE if out.is_dir() else out.parent / DEFAULT_STORE)
        report = (verify_embedded(dataset, path) if verify_only
                  else load_embedded(dataset, path, prune=prune, full=full, progress=update))
    close()
    click.echo(report.text())
    if report.mismatches:
        sys.exit(EXIT_ENDPOINT)

