"""kg link: Wikidata reconciliation against a real local endpoint, the review round trip,
the polite client (429, 5xx, timeouts, unreachable), and the rule that every published
Wikidata link is verified or was accepted by a decision.

The endpoint is a real Oxigraph server on 127.0.0.1 holding tests/wikidata_fixture.py's graph
(the verified table plus decoys with fake QIDs Q9990000xx). Retry tests put a tiny real HTTP
server in front of it that answers 429/5xx or stalls before passing requests through.
"""

from __future__ import annotations

import csv
import http.server
import io
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.plugins.sparql import prepareQuery

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CORPUS, CSV_EXPORT, ROOT, run_cli  # noqa: E402
from kg.errors import EndpointError, InputError  # noqa: E402
from kg.link import SOFTWARE, accepted_links, link, read_mappings  # noqa: E402
from kg.reconcile import (  # noqa: E402
    EndpointClient,
    Subject,
    candidate_query,
    read_subjects,
    retry_after_seconds,
)
from kg.resources import read_text  # noqa: E402
from servers import free_port  # noqa: E402
from wikidata_fixture import DECOYS, FAKE_RANGE, read_verified, wikidata_endpoint  # noqa: E402

WD = "http://www.wikidata.org/entity/"
LA_EQUIVALENT = "https://linked.art/ns/terms/equivalent"
OWL_SAMEAS = "http://www.w3.org/2002/07/owl#sameAs"
REVIEWER = "orcid:0000-0002-1825-0097"
KIND_CLASS = {"person": "http://www.cidoc-crm.org/cidoc-crm/E21_Person",
              "place": "http://www.cidoc-crm.org/cidoc-crm/E53_Place",
              "organisation": "http://www.cidoc-crm.org/cidoc-crm/E74_Group"}


# ------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with wikidata_endpoint() as server:
        yield server.query_url


@pytest.fixture(scope="module")
def blank_authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped authority file with every QID removed: kg must find them online."""
    lines = read_text("authority.tsv").splitlines()
    qid = lines[0].split("\t").index("qid")
    path = tmp_path_factory.mktemp("authority") / "authority-no-qids.tsv"
    blank = [lines[0]] + ["\t".join("" if j == qid else c for j, c in enumerate(ln.split("\t")))
                          for ln in lines[1:]]
    path.write_text("\n".join(blank) + "\n", encoding="utf-8")
    return path


def _build(out: Path, *args: str) -> Path:
    code, output = run_cli("build", *args, "-o", str(out), "--quiet")
    # Conformance is other tests' business; linking needs the dataset to exist.
    assert (out / "dataset.nq").is_file(), output
    assert code in (0, 1, 2), output
    return out


@pytest.fixture(scope="module")
def seed_unlinked(tmp_path_factory: pytest.TempPathFactory, blank_authority: Path) -> Path:
    return _build(tmp_path_factory.mktemp("seed-unlinked") / "out", str(ROOT / "data"),
                  "--authority", str(blank_authority))


@pytest.fixture(scope="module")
def corpus_unlinked(tmp_path_factory: pytest.TempPathFactory, blank_authority: Path) -> Path:
    return _build(tmp_path_factory.mktemp("corpus-unlinked") / "out", str(CORPUS),
                  str(CSV_EXPORT), "--authority", str(blank_authority))


@pytest.fixture(scope="module")
def corpus_link(tmp_path_factory: pytest.TempPathFactory, corpus_unlinked: Path, endpoint: str):
    """kg link on the whole corpus built without QIDs, against the fixture endpoint."""
    work = tmp_path_factory.mktemp("corpus-link")
    client = EndpointClient(endpoint=endpoint, cache=work / "cache", timeout=30)
    report = link(corpus_unlinked, client, links=work / "links.tsv", review=work / "review.tsv")
    return report, work


def _verified_keys() -> dict[str, str]:
    """Entity key -> QID for every authority row that carries a verified QID."""
    rows = csv.DictReader(io.StringIO(read_text("authority.tsv")), delimiter="\t",
                          quoting=csv.QUOTE_NONE)
    return {r["id"]: r["qid"] for r in rows if r["qid"]}


# ------------------------------------------------------------------------------------------
# the query


def test_candidate_query_is_standard_sparql_and_deterministic() -> None:
    tricky = Subject(iri="https://example.org/kg/person/x", key="x", kind="person",
                     label='Mao "the" \\Chairman', aliases=("Мао Цзэдун", "毛泽东", "모택동"))
    text = candidate_query(tricky)
    prepareQuery(text)  # rdflib's SPARQL 1.1 grammar: no vendor syntax gets through
    assert text == candidate_query(tricky)
    for vendor in ("SERVICE", "wikibase:", "bd:", "mwapi", "hint:"):
        assert vendor not in text
    for lang in ("en", "ru", "zh", "ko"):
        assert f'"毛泽东"@{lang}' in text
    store = ox.Store()  # and a second engine parses it too
    store.query(text)


# ------------------------------------------------------------------------------------------
# against the fixture endpoint


@pytest.mark.servers
@pytest.mark.slow
def test_true_candidate_wins_for_every_verified_entity(corpus_link) -> None:
    report, _work = corpus_link
    verified = _verified_keys()
    by_key = {r.subject.key: r for r in report.reconciliations}
    checked = 0
    for key, qid in sorted(verified.items()):
        if key not in by_key:
            continue  # not named in the corpus
        rec = by_key[key]
        assert rec.plausible, f"{key}: no plausible candidate; expected {qid}\n{rec.candidates}"
        top = rec.plausible[0]
        assert top.qid == qid, f"{key}: {top.qid} beat the verified {qid}:\n" + "\n".join(
            f"  {c.qid} {c.points} {c.reasons}" for c in rec.candidates)
        assert report.outcome(key, qid)[0] in ("accepted", "review")
        checked += 1
    assert checked >= 20, f"only {checked} verified entities were checked"
    table = {(r.qid) for r in read_verified()}
    for m in report.accepted:  # nothing but verified items is ever accepted automatically
        assert m.qid in table and verified.get(m.key) == m.qid, m
        assert m.author_id == SOFTWARE and m.mapping_date, m
        assert "threshold 0.90" in m.comment


@pytest.mark.servers
@pytest.mark.slow
@pytest.mark.parametrize("decoy", DECOYS, ids=[d.qid for d in DECOYS])
def test_every_decoy_is_excluded_or_reviewed_with_its_reason(corpus_link, decoy) -> None:
    report, work = corpus_link
    outcome, reasons = report.outcome(decoy.fools, decoy.qid)
    assert outcome == decoy.expected, (decoy, outcome, reasons)
    assert decoy.reason in reasons, (decoy, reasons)
    # found through the label in its own language (the Russian-only decoy through Russian)
    assert any(f"({lang}): {text}" in reasons for text, lang, _ in decoy.labels), reasons
    written = read_mappings(work / "links.tsv") + read_mappings(work / "review.tsv")
    assert not any(m.qid == decoy.qid and m.kg_decision == "accept" for m in written)
    if decoy.expected in ("excluded", "review"):  # a reviewer sees it, with the reason
        rows = [m for m in read_mappings(work / "review.tsv") if m.object_id == f"wikidata:{decoy.qid}"]
        expected_decision = "pending" if decoy.expected == "review" else "excluded"
        if not any(m.key == decoy.fools and m.kg_decision == "accept" for m in read_mappings(
                work / "links.tsv")):
            assert [m.kg_decision for m in rows] == [expected_decision], rows
            assert decoy.reason in rows[0].comment
    if decoy.expected in ("outranked", "excluded"):  # the accepted link names it, if any
        for m in read_mappings(work / "links.tsv"):
            if m.key == decoy.fools:
                assert decoy.qid in m.comment, m.comment


def _edit_review(path: Path, edits: dict[tuple[str, str], dict[str, str]]) -> None:
    """Change cells of the rows (subject_id, object_id) as a reviewer does in a spreadsheet."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head_at = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    head = lines[head_at].rstrip("\n").split("\t")
    done = set()
    for i in range(head_at + 1, len(lines)):
        cells = lines[i].rstrip("\n").split("\t")
        row = dict(zip(head, cells, strict=True))
        change = edits.get((row["subject_id"], row["object_id"]))
        if change:
            row.update(change)
            done.add((cells[0], cells[head.index("object_id")]))
            lines[i] = "\t".join(row[h] for h in head) + "\n"
    assert done == set(edits), f"rows not found: {set(edits) - done}"
    path.write_text("".join(lines), encoding="utf-8")


def _links(dataset: Path) -> set[tuple[str, str, str]]:
    store = ox.Store()
    store.bulk_load(path=str(dataset / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    rows = store.query(f"SELECT DISTINCT ?e ?p ?q WHERE {{ GRAPH ?g {{ ?e ?p ?q }} "
                       f"FILTER(?p IN (<{LA_EQUIVALENT}>, <{OWL_SAMEAS}>)) }}")
    return {(r["e"].value, r["p"].value, r["q"].value) for r in rows}


def _graph(triples: set[tuple[str, str, str]]) -> Graph:
    g = Graph()
    for s, p, o in triples:
        g.add((URIRef(s), URIRef(p), URIRef(o)))
    return g


def _assert_same_links(got: set[tuple[str, str, str]], want: set[tuple[str, str, str]]) -> None:
    g1, g2 = _graph(got), _graph(want)
    if not isomorphic(g1, g2):
        _both, only_got, only_want = graph_diff(to_isomorphic(g1), to_isomorphic(g2))
        pytest.fail("published links differ\nonly published:\n"
                    + only_got.serialize(format="nt") + "only expected:\n"
                    + only_want.serialize(format="nt"))


@pytest.mark.servers
def test_review_round_trip_changes_the_published_links(tmp_path: Path, seed_unlinked: Path,
                                                       blank_authority: Path,
                                                       endpoint: str) -> None:
    links, review, cache = tmp_path / "links.tsv", tmp_path / "review.tsv", tmp_path / "cache"
    common = ("--endpoint", endpoint, "--links", str(links), "--review", str(review),
              "--cache", str(cache), "--quiet")
    code, out = run_cli("link", str(seed_unlinked), *common)
    assert code == 0, out
    auto = accepted_links(links)
    assert auto["mao-zedong"] == "Q5816" and auto["joseph-stalin"] == "Q855", auto
    pending = {(m.key, m.qid) for m in read_mappings(review) if m.kg_decision == "pending"}
    assert {("vyacheslav-molotov", "Q132899"), ("vyacheslav-molotov", "Q999000006"),
            ("beijing", "Q956"), ("korea", "Q18097")} <= pending, pending

    # the reviewer: accepts the real Molotov, rejects his namesake, rejects Beijing's
    # candidate, and for Korea picks another item by editing object_id (any accepted form)
    _edit_review(review, {
        ("kgperson:vyacheslav-molotov", "wikidata:Q132899"): {"kg_decision": "accept"},
        ("kgperson:vyacheslav-molotov", "wikidata:Q999000006"): {"kg_decision": "reject"},
        ("kgplace:beijing", "wikidata:Q956"): {"kg_decision": "reject"},
        ("kgplace:korea", "wikidata:Q18097"): {
            "kg_decision": "accept", "object_id": "https://www.wikidata.org/wiki/Q483134",
            "object_label": "Korean Peninsula"},
    })
    # kg link will not overwrite decisions not yet applied
    code, out = run_cli("link", str(seed_unlinked), *common)
    assert code == 2 and "not applied yet" in out and "kg link --apply" in out, out
    # every decision needs an author
    code, out = run_cli("link", "--apply", str(review), "--links", str(links))
    assert code == 2 and "names no author" in out and "--author" in out, out
    code, out = run_cli("link", "--apply", str(review), "--links", str(links),
                        "--author", REVIEWER, "--date", "2024-05-31")
    assert code == 0, out
    assert "applied 2 accepted and 2 rejected" in out, out

    decisions = {(m.key, m.qid): m for m in read_mappings(links)}
    molotov = decisions[("vyacheslav-molotov", "Q132899")]
    assert (molotov.kg_decision, molotov.author_id, molotov.mapping_date,
            molotov.mapping_justification) == ("accept", REVIEWER, "2024-05-31",
                                               "semapv:MappingReview")
    korea = decisions[("korea", "Q483134")]
    assert (korea.kg_decision, korea.mapping_justification, korea.object_id) == (
        "accept", "semapv:ManualMappingCuration", "wikidata:Q483134")
    assert "wikidata:Q18097" in korea.comment
    beijing = decisions[("beijing", "Q956")]
    assert (beijing.kg_decision, beijing.predicate_modifier) == ("reject", "Not")
    mao = decisions[("mao-zedong", "Q5816")]
    assert mao.author_id == SOFTWARE and mao.mapping_date and "threshold 0.90" in mao.comment
    assert not any(m.kg_decision in ("accept", "reject") for m in read_mappings(review))

    # rebuild with the links: the published links are exactly the decisions
    rebuilt = _build(tmp_path / "rebuilt", str(ROOT / "data"), "--authority",
                     str(blank_authority), "--links", str(links))
    base = "https://example.org/kg/"
    path = {"person": "person", "place": "place", "organisation": "group"}
    subjects = {s.key: s for s in read_subjects(seed_unlinked / "dataset.nq")}
    want = set()
    for key, qid in {**auto, "vyacheslav-molotov": "Q132899", "korea": "Q483134"}.items():
        iri = f"{base}{path[subjects[key].kind]}/{key}"
        want |= {(iri, LA_EQUIVALENT, WD + qid), (iri, OWL_SAMEAS, WD + qid)}
    _assert_same_links(_links(rebuilt), want)
    assert not [t for t in _links(rebuilt) if t[0].endswith("/place/beijing")]
    assert _problems(rebuilt, accepted_links(links)) == []

    # rejected candidates are never proposed again; decided entities are not asked about
    code, out = run_cli("link", str(seed_unlinked), *common)
    assert code == 0, out
    again = read_mappings(review)
    assert not any((m.key, m.qid) in {("beijing", "Q956"), ("vyacheslav-molotov", "Q999000006")}
                   for m in again), again
    assert not any(m.key in ("vyacheslav-molotov", "korea", "mao-zedong") for m in again), again
    assert accepted_links(links)["korea"] == "Q483134"


@pytest.mark.servers
def test_same_cache_gives_the_same_files_offline(tmp_path: Path, seed_unlinked: Path,
                                                 endpoint: str) -> None:
    cache = tmp_path / "cache"
    outputs = []
    for run, extra in (("online", ()), ("offline", ("--offline",)), ("again", ("--offline",))):
        folder = tmp_path / run
        folder.mkdir()
        code, out = run_cli("link", str(seed_unlinked), "--endpoint", endpoint, "--cache",
                            str(cache), "--links", str(folder / "links.tsv"), "--review",
                            str(folder / "review.tsv"), "--quiet", *extra)
        assert code == 0, out
        outputs.append(((folder / "links.tsv").read_bytes(), (folder / "review.tsv").read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"wikidata:Q5816" in outputs[0][0]


# ------------------------------------------------------------------------------------------
# the client: unreachable, offline, 429, 5xx, timeouts


def test_unreachable_endpoint_exits_3_with_a_clear_message(tmp_path: Path,
                                                           seed_out: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    start = time.monotonic()
    code, out = run_cli("link", str(_unlinked_seed_copy(tmp_path, seed_out)), "--endpoint", url,
                        "--cache", str(tmp_path / "c"), "--links", str(tmp_path / "l.tsv"),
                        "--review", str(tmp_path / "r.tsv"), "--quiet")
    assert code == 3, out
    assert f"cannot reach the SPARQL endpoint {url}" in out and "refused" in out.lower(), out
    assert time.monotonic() - start < 10  # refused connections are not retried for minutes


def _unlinked_seed_copy(tmp_path: Path, seed_out: Path) -> Path:
    """The seed dataset with its Wikidata links dropped, so kg link has work to do."""
    out = tmp_path / "seed-nolinks"
    out.mkdir()
    lines = [ln for ln in (seed_out / "dataset.nq").read_text(encoding="utf-8").splitlines()
             if LA_EQUIVALENT not in ln and OWL_SAMEAS not in ln]
    (out / "dataset.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_offline_without_the_answer_exits_3(tmp_path: Path, seed_out: Path) -> None:
    code, out = run_cli("link", str(_unlinked_seed_copy(tmp_path, seed_out)), "--offline",
                        "--endpoint", "http://127.0.0.1:9/sparql", "--cache",
                        str(tmp_path / "empty"), "--links", str(tmp_path / "l.tsv"),
                        "--review", str(tmp_path / "r.tsv"), "--quiet")
    assert code == 3, out
    assert "offline" in out and "has no answer" in out, out


class Stub:
    """A real HTTP server on loopback that follows a script, then passes requests upstream.

    Each script entry is (status, headers, delay): answer with that status after `delay`
    seconds, or with status 0, pass the request to the upstream endpoint after the delay.
    """

    def __init__(self, upstream: str, script: list[tuple[int, dict[str, str], float]]) -> None:
        self.upstream = upstream
        self.script = list(script)
        self.seen: list[tuple[float, str, str]] = []  # (time, method, User-Agent)
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                stub.handle(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                stub.handle(self, self.rfile.read(length))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.server.handle_error = lambda *a: None  # a client that gave up closed the socket
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, req: http.server.BaseHTTPRequestHandler, body: bytes | None) -> None:
        self.seen.append((time.monotonic(), req.command, req.headers.get("User-Agent", "")))
        status, headers, delay = self.script.pop(0) if self.script else (0, {}, 0.0)
        if delay:
            time.sleep(delay)
        if status:
            req.send_response(status)
            for k, v in headers.items():
                req.send_header(k, v)
            req.send_header("Content-Type", "text/plain")
            req.end_headers()
            req.wfile.write(b"try later")
            return
        query = req.path.partition("?")[2]
        url = self.upstream + ("?" + query if query else "")
        forward = urllib.request.Request(url, data=body, method=req.command, headers={
            "Accept": req.headers.get("Accept", "*/*"),
            "Content-Type": req.headers.get("Content-Type", "application/x-www-form-urlencoded")})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(forward, timeout=30) as resp:
            data = resp.read()
            req.send_response(resp.status)
            req.send_header("Content-Type", resp.headers.get("Content-Type", ""))
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)

    def __enter__(self) -> Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


ASK_MAO = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?item WHERE { ?item rdfs:label "Mao Zedong"@en } ORDER BY ?item"""


def _client(url: str, tmp_path: Path, waits: list[float], **kw: object) -> EndpointClient:
    return EndpointClient(endpoint=url, cache=tmp_path / "cache", timeout=kw.pop("timeout", 10),
                          on_retry=lambda n, why, wait: waits.append(wait), **kw)  # type: ignore[arg-type]


def _items(rows: list[dict[str, dict[str, str]]]) -> list[str]:
    return [r["item"]["value"] for r in rows]


@pytest.mark.servers
def test_429_retry_after_is_honoured_then_the_answer_arrives(tmp_path: Path,
                                                            endpoint: str) -> None:
    with Stub(endpoint, [(429, {"Retry-After": "1"}, 0.0)]) as stub:
        waits: list[float] = []
        answer = _client(stub.url, tmp_path, waits, backoff=0.01).select(ASK_MAO)
    assert _items(answer.rows) == [WD + "Q5816", WD + "Q999000001"]
    assert waits == [1.0]  # the server's Retry-After, not the 0.01 s backoff
    assert len(stub.seen) == 2 and stub.seen[1][0] - stub.seen[0][0] >= 1.0
    assert all(ua.startswith("kg/") and "Wikidata reconciliation" in ua for _, _, ua in stub.seen)


@pytest.mark.servers
def test_retry_after_is_capped(tmp_path: Path, endpoint: str) -> None:
    with Stub(endpoint, [(429, {"Retry-After": "3600"}, 0.0),
                         (503, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}, 0.0)]) as stub:
        waits: list[float] = []
        start = time.monotonic()
        answer = _client(stub.url, tmp_path, waits, backoff=0.01, max_wait=0.2).select(ASK_MAO)
    assert waits == [0.2, 0.2] and time.monotonic() - start < 5
    assert WD + "Q5816" in _items(answer.rows) and len(stub.seen) == 3


@pytest.mark.servers
def test_500_is_retried_with_backoff_then_succeeds(tmp_path: Path, endpoint: str) -> None:
    with Stub(endpoint, [(500, {}, 0.0), (502, {}, 0.0)]) as stub:
        waits: list[float] = []
        answer = _client(stub.url, tmp_path, waits, backoff=0.05).select(ASK_MAO)
    assert waits == [0.05, 0.1]  # doubling backoff when the server gives no Retry-After
    assert WD + "Q5816" in _items(answer.rows) and len(stub.seen) == 3


@pytest.mark.servers
def test_a_stalled_answer_times_out_and_is_retried(tmp_path: Path, endpoint: str) -> None:
    with Stub(endpoint, [(0, {}, 2.5)]) as stub:
        waits: list[float] = []
        answer = _client(stub.url, tmp_path, waits, timeout=1, backoff=0.01).select(ASK_MAO)
    assert waits == [0.01] and len(stub.seen) == 2
    assert WD + "Q5816" in _items(answer.rows)


@pytest.mark.servers
def test_5xx_that_never_ends_fails_clearly_with_exit_3(tmp_path: Path, seed_out: Path,
                                                       endpoint: str) -> None:
    script = [(503, {"Retry-After": "0"}, 0.0)] * 20
    with Stub(endpoint, script) as stub:
        with pytest.raises(EndpointError) as err:
            _client(stub.url, tmp_path, [], retries=2).select(ASK_MAO)
        assert "failed 3 times" in str(err.value) and "HTTP 503" in str(err.value)
        code, out = run_cli("link", str(_unlinked_seed_copy(tmp_path, seed_out)), "--endpoint",
                            stub.url, "--cache", str(tmp_path / "c2"), "--links",
                            str(tmp_path / "l.tsv"), "--review", str(tmp_path / "r.tsv"),
                            "--quiet")
    assert code == 3, out
    assert "HTTP 503" in out and "retry 1 in 0.0 s" in out and "rerun" in out, out


def test_retry_after_header_forms() -> None:
    from datetime import UTC, datetime

    now = datetime(2024, 5, 31, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Fri, 31 May 2024 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Fri, 31 May 2024 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None) is None


# ------------------------------------------------------------------------------------------
# what may be published


def _problems(dataset: Path, accepted: dict[str, str]) -> list[str]:
    """Every published Wikidata IRI that is neither verified (for that entity) nor accepted."""
    table = {r.qid: r for r in read_verified()}
    store = ox.Store()
    store.bulk_load(path=str(dataset / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    problems = []
    anywhere = store.query(f"""SELECT DISTINCT ?x WHERE {{ GRAPH ?g {{
        {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} }} FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{WD}")) }}""")
    linked = {qid for qid in accepted.values()}
    for row in anywhere:
        qid = row["x"].value[len(WD):]
        if qid not in table and qid not in linked:
            problems.append(f"{qid} is published but is neither in the verified table nor accepted")
    rows = store.query(f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?e ?q ?class ?name WHERE {{ GRAPH ?g {{ ?e ?p ?q }}
          FILTER(?p IN (<{LA_EQUIVALENT}>, <{OWL_SAMEAS}>))
          OPTIONAL {{ GRAPH ?h {{ ?e a ?class ; rdfs:label|skos:altLabel ?name }} }} }}""")
    names: dict[tuple[str, str], set[str]] = {}
    classes: dict[str, set[str]] = {}
    for r in rows:
        pair = (r["e"].value, r["q"].value[len(WD):])
        names.setdefault(pair, set())
        if r["name"] is not None:
            names[pair].add(r["name"].value)
        if r["class"] is not None:
            classes.setdefault(pair[0], set()).add(r["class"].value)
    owners: dict[str, set[str]] = {}
    for (iri, qid), labels in sorted(names.items()):
        owners.setdefault(qid, set()).add(iri)
        key = iri.rsplit("/", 1)[1]
        if accepted.get(key) == qid:
            continue
        row = table.get(qid)
        if row is None:
            problems.append(f"{iri} -> {qid}: not in the verified table and not accepted")
        elif row.name not in labels:
            problems.append(f"{iri} -> {qid}: the verified table gives {qid} to {row.name!r}, "
                            f"not to any of {sorted(labels)} (add it as an alias if it is them)")
        elif KIND_CLASS.get(row.kind) not in classes.get(iri, set()):
            problems.append(f"{iri} -> {qid}: the table's {qid} is a {row.kind}")
    for qid, iris in owners.items():
        if len(iris) > 1:
            problems.append(f"{qid} is published for several entities: {sorted(iris)}")
    return problems


def test_every_published_link_on_the_seed_is_verified(seed_out: Path) -> None:
    assert _links(seed_out), "the seed publishes no Wikidata link at all"
    assert _problems(seed_out, {}) == []


@pytest.mark.slow
def test_every_published_link_on_the_corpus_is_verified(tmp_path: Path) -> None:
    out = _build(tmp_path / "corpus", str(CORPUS), str(CSV_EXPORT))
    assert len({q for _, _, q in _links(out)}) >= 20
    assert _problems(out, {}) == []


def test_the_published_link_check_catches_a_wrong_qid(tmp_path: Path) -> None:
    # Q16977 is Deng Xiaoping: put on Mao it is a verified QID on the wrong person, and a fake
    # QID on Stalin is in no table; only an accepted decision would excuse either.
    links = tmp_path / "links.tsv"
    links.write_text("subject_id\tobject_id\n"
                     "kgperson:mao-zedong\twikidata:Q16977\n"
                     "kgperson:joseph-stalin\twikidata:Q999000002\n", encoding="utf-8")
    out = _build(tmp_path / "out", str(ROOT / "data"), "--links", str(links))
    problems = _problems(out, {})
    assert any("Q16977" in p and "Mao Zedong" in p for p in problems), problems
    assert any("Q999000002" in p for p in problems), problems
    assert _problems(out, accepted_links(links)) == []
    assert all(int(q[1:]) in FAKE_RANGE for q in ("Q999000002",))


# ------------------------------------------------------------------------------------------
# the SSSOM files


def test_accepted_links_reads_kg_and_plain_sssom(tmp_path: Path) -> None:
    plain = tmp_path / "plain.sssom.tsv"
    plain.write_text(
        "#curie_map:\n#  wikidata: http://www.wikidata.org/entity/\n"
        "subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tmapping_justification\n"
        "kgperson:mao-zedong\tskos:exactMatch\t\twikidata:Q5816\tsemapv:ManualMappingCuration\n"
        "https://example.org/kg/place/beijing\tskos:exactMatch\t\t"
        "http://www.wikidata.org/entity/Q956\tsemapv:ManualMappingCuration\n"
        "kgperson:joseph-stalin\tskos:exactMatch\tNot\twikidata:Q5816\tsemapv:MappingReview\n"
        "kggroup:cpc\tskos:closeMatch\t\twikidata:Q17427\tsemapv:MappingReview\n",
        encoding="utf-8")
    assert accepted_links(plain) == {"mao-zedong": "Q5816", "beijing": "Q956"}

    twice = tmp_path / "twice.tsv"
    twice.write_text("subject_id\tkg_decision\tobject_id\n"
                     "kgperson:mao-zedong\taccept\twikidata:Q5816\n"
                     "kgperson:mao-zedong\taccept\twd:Q855\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        accepted_links(twice)
    assert f"{twice}:3:" in str(err.value) and "line 2" in str(err.value)

    bad = tmp_path / "bad.tsv"
    bad.write_text("subject_id\tkg_decision\tobject_id\n"
                   "kgperson:mao-zedong\taccept\tMao\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.tsv:2: object_id 'Mao' is not a Wikidata item"):
        accepted_links(bad)
    typo = tmp_path / "typo.tsv"
    typo.write_text("subject_id\tkg_decision\tobject_id\n"
                    "kgperson:mao-zedong\tacept\twikidata:Q5816\n", encoding="utf-8")
    with pytest.raises(InputError, match="kg_decision 'acept' is not one of"):
        accepted_links(typo)
    code, out = run_cli("build", str(ROOT / "data"), "-o", str(tmp_path / "o"), "--links",
                        str(tmp_path / "missing.tsv"), "--quiet")
    assert code == 2 and "missing.tsv" in out, out


def test_link_help_documents_the_workflow() -> None:
    code, out = run_cli("link", "--help")
    assert code == 0
    for option in ("--endpoint", "--review", "--threshold", "--cache", "--offline", "--apply",
                   "--author", "KG_LINKS"):
        assert option in out, option
