"""Remote triplestores, for real: the corpus loaded into an Oxigraph server and a Virtuoso 7 on
loopback (tests/servers.py), every bundled query compared with the embedded store, and the
ways servers lose data silently: a server killed mid-load, a wrong password, Virtuoso's row
cap, a crafted parameter, a server that keeps fewer triples than it was sent.

The HTTP client's own behaviour (retries, Retry-After, timeouts, basic auth) is tested
against tiny HTTP servers on loopback; digest auth against Virtuoso itself.
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from kg.errors import EndpointError, InputError
from kg.query import bundled, run_store
from kg.remote import (
    Credentials,
    Endpoint,
    HttpClient,
    RemoteStore,
    Response,
    load_remote,
    public_url,
    run_remote,
    split_userinfo,
    verify_remote,
)
from kg.store import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_queries_corpus import (  # noqa: E402
    FEDERATED,
    SAMPLE_PARAMS,
    corpus_out,
    embedded,
    expected,
    wikidata_standin,
)

from servers import OxigraphServer, VirtuosoServer, http_request  # noqa: E402

pytestmark = pytest.mark.servers

BASE = "https://example.org/kg/"
SECRET = "wrong-Pa55word-7f3a"  # must never appear in any output
CRAFTED = [
    'Mao Zedong" } ; DROP ALL ; #',
    "} ; DROP ALL ; #",
    'x" } } INSERT DATA { GRAPH <urn:evil> { <urn:a> <urn:b> <urn:c> } } #',
    "Mao Zedong\\\" . } DELETE WHERE { ?s ?p ?o } #",
    "Mao Zedong'\n} ; CLEAR ALL ; #",
    '""" ) } UNION { ?s ?p ?o } #',
]


def fast_client(credentials: Credentials | None = None, **kw: object) -> HttpClient:
    """A real client that does not sleep between retries (the waits are asserted elsewhere)."""
    return HttpClient(credentials, sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def oxigraph_remote(server: OxigraphServer, client: HttpClient | None = None) -> RemoteStore:
    return RemoteStore(Endpoint.for_server(server.base_url, "oxigraph"), client or fast_client())


def virtuoso_remote(server: VirtuosoServer, client: HttpClient | None = None) -> RemoteStore:
    creds = Credentials(server.user, server.password)
    return RemoteStore(Endpoint.for_server(server.base_url, "virtuoso", authenticated=True),
                       client or fast_client(creds))


def total(remote: RemoteStore) -> int:
    """Every triple in every named graph of the server (system graphs included: a before/after)."""
    return int(remote.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0] or 0)


def kg_total(remote: RemoteStore, dataset: Dataset) -> int:
    return sum(remote.graph_counts(dataset.graphs).values())


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return Dataset(corpus_out())


@pytest.fixture(scope="module")
def wikidata() -> Iterator[OxigraphServer]:
    """An Oxigraph server standing in for Wikidata (QIDs from the verified table only)."""
    with OxigraphServer() as server:
        resp = http_request("PUT", server.graph_url(None), data=wikidata_standin(),
                            headers={"Content-Type": "application/n-triples"})
        assert resp.status in (201, 204), resp.text
        yield server


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """An Oxigraph server with the corpus loaded through `kg load` (big graphs split in chunks)."""
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db") as server:
        code, out = run_cli("load", str(corpus_out()), "--endpoint", server.base_url,
                            "--server", "oxigraph", "--chunk-triples", "1000", "--quiet")
        assert code == 0, out
        assert "verified: all" in out
        yield server


@pytest.fixture(scope="module")
def virtuoso() -> Iterator[VirtuosoServer]:
    """A Virtuoso 7 with the corpus loaded through `kg load`, digest credentials from the env."""
    with VirtuosoServer() as server, pytest.MonkeyPatch.context() as env:
        env.setenv("KG_ENDPOINT_USER", server.user)
        env.setenv("KG_ENDPOINT_PASSWORD", server.password)
        code, out = run_cli("load", str(corpus_out()), "--endpoint", server.base_url,
                            "--server", "virtuoso", "--quiet")
        assert code == 0, out
        assert "verified: all" in out
        yield server


# --------------------------------------------------------------------------- loading


def test_loads_are_verified_and_big_graphs_go_in_chunks(oxigraph: OxigraphServer, dataset: Dataset) -> None:
    remote = oxigraph_remote(oxigraph)
    counts = remote.graph_counts(dataset.graphs)
    assert counts == {g: len(dataset.ntriples(g)) for g in dataset.graphs}
    biggest = max(counts.values())
    assert biggest > 1000, "the corpus has a graph big enough to need several requests"


def test_virtuoso_holds_every_graph_with_its_count(virtuoso: VirtuosoServer, dataset: Dataset) -> None:
    remote = virtuoso_remote(virtuoso)
    assert remote.graph_counts(dataset.graphs) == {g: len(dataset.ntriples(g)) for g in dataset.graphs}


def _compare(name: str, remote: RemoteStore, wikidata: OxigraphServer) -> None:
    query = bundled()[name]
    if name == FEDERATED:
        params = {"endpoint": wikidata.query_url}
        want = run_store(embedded(), query, params)
    else:
        params = SAMPLE_PARAMS.get(name, {})
        want, _seconds = expected(name)
    got = run_remote(remote, query, params)
    if got.truncated:
        pytest.fail(f"{name}: the server truncated the result at {len(got.rows)} rows")
    assert got.variables == want.variables
    if re.search(r"\bORDER\s+BY\b", query.text, re.I):
        assert list(got.rows) == list(want.rows), f"{name}: rows or their order differ"
    else:
        diff_got, diff_want = Counter(got.rows) - Counter(want.rows), Counter(want.rows) - Counter(got.rows)
        assert not diff_got and not diff_want, f"{name}: only on the server {diff_got}, only embedded {diff_want}"
    assert want.rows or name in SAMPLE_PARAMS, f"{name} returns no rows on the corpus: a weak comparison"


@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_query_same_rows_on_oxigraph(name: str, oxigraph: OxigraphServer,
                                           wikidata: OxigraphServer) -> None:
    _compare(name, oxigraph_remote(oxigraph), wikidata)


@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_query_same_rows_on_virtuoso(name: str, virtuoso: VirtuosoServer,
                                           wikidata: OxigraphServer) -> None:
    _compare(name, virtuoso_remote(virtuoso), wikidata)


def test_query_command_on_an_endpoint_prints_the_embedded_rows(oxigraph: OxigraphServer) -> None:
    local = run_cli("query", "person-correspondence", "--data", str(corpus_out()), "--format", "tsv",
                    "--param", "person=Mao Zedong")
    remote = run_cli("query", "person-correspondence", "--endpoint", oxigraph.base_url,
                     "--server", "oxigraph", "--format", "tsv", "--param", "person=Mao Zedong")
    assert local[0] == remote[0] == 0 and local[1] == remote[1]
    assert "\tLi Kenong\t" in remote[1]


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_reload_never_duplicates(kind: str, request: pytest.FixtureRequest, dataset: Dataset) -> None:
    server = request.getfixturevalue(kind)
    remote = oxigraph_remote(server) if kind == "oxigraph" else virtuoso_remote(server)
    before = total(remote)
    stats = run_remote(remote, bundled()["statistics"])
    # Graphs split differently than in the first load: PUT replaces whatever was there.
    report = load_remote(dataset, remote, chunk_triples=700)
    assert not report.mismatches and report.triples == len(dataset)
    assert total(remote) == before
    assert kg_total(remote, dataset) == len(dataset)
    assert run_remote(remote, bundled()["statistics"]).rows == stats.rows


class KillingClient(HttpClient):
    """A real client whose server is SIGKILLed just before the request `when` picks."""

    def __init__(self, server: OxigraphServer, when: object) -> None:
        super().__init__(retries=1, sleep=lambda s: None, timeout=10)
        self.server, self.when, self.killed = server, when, False

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
              authorization: str | None) -> Response:
        if not self.killed and self.when(method, url):  # type: ignore[operator]
            self.server.kill()
            self.killed = True
        return super()._send(method, url, body, headers, authorization)


def test_server_killed_mid_load_then_rerun_completes(tmp_path: Path, seed_out: Path) -> None:
    seed = Dataset(seed_out)
    biggest = max(seed.graphs, key=lambda g: len(seed.ntriples(g)))
    assert len(seed.ntriples(biggest)) > 500
    from urllib.parse import quote

    with OxigraphServer(tmp_path / "db") as server:
        # Killed between the first chunk of the document graph (a PUT) and the rest (a POST).
        client = KillingClient(server, lambda m, u: m == "POST" and quote(biggest, safe="") in u)
        remote = oxigraph_remote(server, client)
        with pytest.raises(EndpointError, match="cannot reach .* after 2 attempts"):
            load_remote(seed, remote, chunk_triples=500)
        assert client.killed and not server.is_running
        server.start()  # same data folder, same port
        half = oxigraph_remote(server).graph_counts([biggest])[biggest]
        assert half == 500, "the graph was cut off after its first chunk"

        code, out = run_cli("load", str(seed_out), "--endpoint", server.base_url,
                            "--server", "oxigraph", "--chunk-triples", "500", "--quiet")
        assert code == 0 and "verified: all 3 graphs" in out, out
        remote = oxigraph_remote(server)
        assert total(remote) == kg_total(remote, seed) == len(seed)


def test_cli_reports_a_dead_server_as_exit_3(tmp_path: Path, seed_out: Path) -> None:
    with OxigraphServer(tmp_path / "db") as server:
        url = server.base_url
    code, out = run_cli("load", str(seed_out), "--endpoint", url, "--server", "oxigraph",
                        "--retries", "0", "--quiet")
    assert code == 3 and "cannot reach" in out and "Traceback" not in out


class LossyClient(HttpClient):
    """A real client that silently drops the last triple of every PUT to one graph: a lossy store."""

    def __init__(self, graph: str) -> None:
        super().__init__(retries=0)
        self.graph = graph

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
              authorization: str | None) -> Response:
        from urllib.parse import quote

        if method == "PUT" and body and url.endswith(quote(self.graph, safe="")):
            body = b"\n".join(body.rstrip(b"\n").split(b"\n")[:-1]) + b"\n"
        return super()._send(method, url, body, headers, authorization)


def test_a_store_that_keeps_fewer_triples_is_caught(tmp_path: Path, seed_out: Path) -> None:
    seed = Dataset(seed_out)
    victim = seed.graphs[0]
    with OxigraphServer(tmp_path / "db") as server:
        load = ("load", str(seed_out), "--endpoint", server.base_url, "--server", "oxigraph")
        report = load_remote(seed, oxigraph_remote(server, LossyClient(victim)))
        assert [(g.graph, g.sent - g.found) for g in report.mismatches] == [(victim, 1)]
        assert "VERIFY FAILED: 1 of 3 graphs" in report.text()
        code, out = run_cli(*load, "--verify-only")
        assert code == 3 and f"{victim}: dataset {len(seed.ntriples(victim))}" in out
        assert run_cli(*load, "--quiet")[0] == 0
        assert run_cli(*load, "--verify-only")[0] == 0


def test_prune_removes_only_kg_graphs_of_vanished_documents(tmp_path: Path, seed_out: Path) -> None:
    stale, foreign = BASE + "graph/zzz-withdrawn-document", "urn:someone-else:graph"
    with OxigraphServer(tmp_path / "db") as server:
        load = ("load", str(seed_out), "--endpoint", server.base_url, "--server", "oxigraph", "--quiet")
        for graph in (stale, foreign):
            resp = http_request("PUT", server.graph_url(graph), data="<urn:s> <urn:p> <urn:o> .",
                                headers={"Content-Type": "text/turtle"})
            assert resp.status in (201, 204)
        code, out = run_cli(*load)
        assert code == 0 and "1 graphs in the store are not in this dataset" in out and stale in out
        code, out = run_cli(*load, "--prune")
        assert code == 0 and "removed 1 graphs" in out
        counts = oxigraph_remote(server).graph_counts([stale, foreign])
        assert counts == {stale: 0, foreign: 1}


def test_sparql_update_fallback_on_a_generic_server(tmp_path: Path, seed_out: Path) -> None:
    """No Graph Store URL given: graphs go up as SPARQL Update (CLEAR, then INSERT DATA batches)."""
    with OxigraphServer(tmp_path / "db") as server:
        code, out = run_cli("load", str(seed_out), "--endpoint", server.query_url,
                            "--update-url", server.update_url, "--quiet")
        assert code == 0 and "verified: all 3 graphs" in out, out
        assert kg_total(oxigraph_remote(server), Dataset(seed_out)) == len(Dataset(seed_out))


class RecordingClient(HttpClient):
    def __init__(self, credentials: Credentials) -> None:
        super().__init__(credentials, retries=0)
        self.updates: list[str] = []

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
              authorization: str | None) -> Response:
        from urllib.parse import parse_qs

        resp = super()._send(method, url, body, headers, authorization)
        if body and body.startswith(b"update=") and resp.status != 401:  # not digest's first try
            self.updates.append(parse_qs(body.decode())["update"][0])
        return resp


def test_update_batches_stay_below_virtuosos_limit(virtuoso: VirtuosoServer, dataset: Dataset,
                                                   tmp_path: Path) -> None:
    biggest = max(dataset.graphs, key=lambda g: len(dataset.ntriples(g)))
    big = len(dataset.ntriples(biggest))
    assert big > 1000
    # A dataset of the biggest graph only (its content is the corpus's, so the shared server's
    # copy is replaced by the same triples).
    small = tmp_path / "small"
    small.mkdir()
    (small / "dataset.nq").write_bytes(b"".join(
        line[:-2] + f" <{biggest}> .\n".encode() for line in dataset.ntriples(biggest)))
    client = RecordingClient(Credentials(virtuoso.user, virtuoso.password))
    ep = Endpoint.for_server(virtuoso.base_url, "virtuoso", authenticated=True)
    report = load_remote(Dataset(small), RemoteStore(ep, client), protocol="update")
    assert not report.mismatches and report.triples == big
    inserts = [u for u in client.updates if "INSERT DATA" in u]
    sizes = [sum(1 for line in u.splitlines() if line.endswith(" .")) for u in inserts]
    assert sum(sizes) == big and len(sizes) >= 3 and max(sizes) < 1000, sizes
    assert client.updates[0].startswith(f"CLEAR SILENT GRAPH <{biggest}>")
    # ...and why: the whole graph in one INSERT DATA is more than Virtuoso takes.
    whole = b"\n".join(dataset.ntriples(biggest)).decode()
    with pytest.raises(EndpointError, match="SP031|SP030"):
        RemoteStore(ep, fast_client(Credentials(virtuoso.user, virtuoso.password), retries=0)).update(
            f"INSERT DATA {{ GRAPH <urn:kg-test:too-big> {{ {whole} }} }}")


def test_update_batches_of_a_thousand_are_refused_before_sending(oxigraph: OxigraphServer,
                                                                 dataset: Dataset) -> None:
    with pytest.raises(InputError, match="at most 999"):
        load_remote(dataset, oxigraph_remote(oxigraph), protocol="update", update_batch=1000)


# --------------------------------------------------------------------------- credentials


def _kg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real `kg` in its own process, so what a user sees (and no traceback) is what we check."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("KG_ENDPOINT")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True,
                          env=full, cwd=ROOT, timeout=120)


def test_wrong_password_is_a_clear_exit_3_that_never_shows_it(virtuoso: VirtuosoServer) -> None:
    proc = _kg("load", str(corpus_out()), "--endpoint", virtuoso.base_url, "--server", "virtuoso",
               "--quiet", env={"KG_ENDPOINT_USER": virtuoso.user, "KG_ENDPOINT_PASSWORD": SECRET})
    output = proc.stdout + proc.stderr
    assert proc.returncode == 3, output
    assert "refused the password of user 'dba'" in output and "KG_ENDPOINT_PASSWORD" in output
    assert SECRET not in output and "Traceback" not in output
    assert output.count("\n") <= 2, output


def test_no_credentials_says_how_to_give_them(virtuoso: VirtuosoServer) -> None:
    proc = _kg("load", str(corpus_out()), "--endpoint", virtuoso.base_url, "--server", "virtuoso",
               "--quiet", env={"NETRC": "/nonexistent"})
    assert proc.returncode == 3
    assert "needs a user name and password" in proc.stderr and "Traceback" not in proc.stderr


def test_credentials_from_netrc_with_digest_auth(virtuoso: VirtuosoServer, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {virtuoso.user} password {virtuoso.password}\n")
    netrc.chmod(0o600)
    proc = _kg("load", str(corpus_out()), "--endpoint", virtuoso.base_url, "--server", "virtuoso",
               "--verify-only", env={"NETRC": str(netrc)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "checked" in proc.stdout and "verified: all" in proc.stdout


def test_password_never_in_reprs_or_urls() -> None:
    creds = Credentials("dba", SECRET)
    assert SECRET not in repr(creds) and SECRET not in repr(HttpClient(creds))
    url, parsed = split_userinfo(f"http://dba:{SECRET}@127.0.0.1:8890/sparql")
    assert url == "http://127.0.0.1:8890/sparql" and parsed == creds
    assert public_url(f"https://u:{SECRET}@example.org/x?y=1") == "https://example.org/x?y=1"


# --------------------------------------------------------------------------- row cap


def test_virtuoso_row_cap_is_reported_never_silent(dataset: Dataset) -> None:
    august = {"from": "1951-08-01", "to": "1951-08-31"}
    few = run_store(embedded(), bundled()["documents-in-range"], august)
    assert 0 < len(few.rows) < 5, "a query with fewer rows than the cap"
    with VirtuosoServer(max_rows=5) as capped, pytest.MonkeyPatch.context() as env:
        remote = virtuoso_remote(capped)
        # Loading works under the cap: verification asks for graph counts in smaller batches.
        report = load_remote(dataset, remote)
        assert len(report.graphs) > 5 and not report.mismatches
        # ...and the list of graphs (for --prune) is read page by page.
        stale = BASE + "graph/zzz-withdrawn"
        remote.put(stale, b"<urn:s> <urn:p> <urn:o> .\n")
        assert verify_remote(dataset, remote).stale == [stale]

        env.setenv("KG_ENDPOINT_USER", capped.user)
        env.setenv("KG_ENDPOINT_PASSWORD", capped.password)
        endpoint = ("--endpoint", capped.base_url, "--server", "virtuoso")
        code, out = run_cli("query", "places", *endpoint)
        assert code == 3, out
        assert "(5 rows, TRUNCATED by the server)" in out and "INCOMPLETE" in out
        code, out = run_cli("query", "places", *endpoint, "--format", "json")
        assert code == 3 and '"truncated": true' in out
        # below the cap the result is complete, and nothing says otherwise
        code, out = run_cli("query", "documents-in-range", *endpoint, "--format", "tsv",
                            "--param", "from=1951-08-01", "--param", "to=1951-08-31")
        assert code == 0 and "INCOMPLETE" not in out
        assert len(out.strip().splitlines()) == len(few.rows) + 1


# --------------------------------------------------------------------------- injection


@pytest.mark.parametrize("name,param", [("documents-mentioning", "name"), ("person-correspondence", "person")])
def test_crafted_parameter_matches_nothing_and_changes_nothing(name: str, param: str,
                                                               oxigraph: OxigraphServer,
                                                               virtuoso: VirtuosoServer) -> None:
    remotes = {"oxigraph": oxigraph_remote(oxigraph), "virtuoso": virtuoso_remote(virtuoso)}
    before = {k: total(r) for k, r in remotes.items()}
    local_before = len(embedded())
    for crafted in CRAFTED:
        assert run_store(embedded(), bundled()[name], {param: crafted}).rows == (), crafted
        for kind, remote in remotes.items():
            assert run_remote(remote, bundled()[name], {param: crafted}).rows == (), (kind, crafted)
    code, out = run_cli("query", name, "--endpoint", oxigraph.base_url, "--server", "oxigraph",
                        "--param", f"{param}={CRAFTED[0]}")
    assert code == 0 and out.rstrip().endswith("(0 rows)")
    assert {k: total(r) for k, r in remotes.items()} == before
    assert len(embedded()) == local_before
    assert run_remote(remotes["virtuoso"], bundled()[name], SAMPLE_PARAMS[name]).rows, "the real value matches"


# --------------------------------------------------------------------------- the HTTP client


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each request with the next (status, headers, body) of the server's script."""

    def do_GET(self) -> None:  # noqa: N802
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        server = self.server
        server.seen.append(dict(self.headers))  # type: ignore[attr-defined]
        status, headers, body = server.script.pop(0)(self) if callable(server.script[0]) \
            else server.script.pop(0)  # type: ignore[attr-defined]
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the timeout test) is expected here


@pytest.fixture
def scripted() -> Iterator[http.server.HTTPServer]:
    server = _QuietServer(("127.0.0.1", 0), _Scripted)
    server.script = []  # type: ignore[attr-defined]
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


OK = (200, {"Content-Type": "application/sparql-results+json"}, b'{"head":{"vars":[]},"boolean":true}')


def test_retries_on_429_and_5xx_honouring_retry_after(scripted: http.server.HTTPServer) -> None:
    scripted.script += [(429, {"Retry-After": "7"}, b"slow down"), (503, {}, b"busy"), OK]  # type: ignore[attr-defined]
    waits: list[float] = []
    client = HttpClient(retries=3, backoff=0.25, sleep=waits.append)
    url = f"http://127.0.0.1:{scripted.server_port}/sparql"
    remote = RemoteStore(Endpoint(url), client)
    assert remote.select("ASK {}").rows == (("true",),)
    assert waits == [7.0, 0.5]  # the server's Retry-After, then exponential backoff
    agents = {h["User-Agent"] for h in scripted.seen}  # type: ignore[attr-defined]
    assert len(agents) == 1 and agents.pop().startswith("kg/")


def test_gives_up_after_the_retries_with_the_servers_message(scripted: http.server.HTTPServer) -> None:
    scripted.script += [(503, {}, b"down for maintenance")] * 3  # type: ignore[attr-defined]
    client = HttpClient(retries=2, sleep=lambda s: None)
    with pytest.raises(EndpointError, match="HTTP 503: down for maintenance"):
        RemoteStore(Endpoint(f"http://127.0.0.1:{scripted.server_port}/q"), client).select("ASK {}")
    assert len(scripted.seen) == 3  # type: ignore[attr-defined]


def test_timeout_is_an_endpoint_error(scripted: http.server.HTTPServer) -> None:
    def stall(handler: http.server.BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(2.5)
        return OK

    scripted.script += [stall, stall]  # type: ignore[attr-defined]
    client = HttpClient(retries=0, timeout=1, sleep=lambda s: None)
    start = time.monotonic()
    with pytest.raises(EndpointError, match="cannot reach"):
        RemoteStore(Endpoint(f"http://127.0.0.1:{scripted.server_port}/q"), client).select("ASK {}")
    assert time.monotonic() - start < 2.4


def test_basic_auth_when_the_server_offers_only_basic(scripted: http.server.HTTPServer) -> None:
    import base64

    good = "Basic " + base64.b64encode(b"reader:s3cret").decode()

    def guard(handler: http.server.BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers.get("Authorization") == good:
            return OK
        return 401, {"WWW-Authenticate": 'Basic realm="kg test"'}, b"who are you"

    scripted.script += [guard] * 6  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{scripted.server_port}/q"
    ok = RemoteStore(Endpoint(url), HttpClient(Credentials("reader", "s3cret"), retries=0))
    assert ok.select("ASK {}").rows == (("true",),)
    assert ok.select("ASK {}").rows == (("true",),)  # the challenge is remembered: no extra 401
    assert len(scripted.seen) == 3  # type: ignore[attr-defined]
    bad = RemoteStore(Endpoint(url), HttpClient(Credentials("reader", SECRET), retries=0))
    with pytest.raises(EndpointError) as err:
        bad.select("ASK {}")
    assert "refused the password of user 'reader'" in str(err.value) and SECRET not in str(err.value)
