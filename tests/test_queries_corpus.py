"""Every bundled query, run on the whole shared corpus (page copies + CSV export) in the embedded store.

Expected values are facts read from the seed telegram (data/000_*.txt) and the verified QID
table (SHARED/reference/wikidata-qids.tsv), plus properties that hold whatever the parser
decides for the other documents (ordering, uniqueness, ranges). Row counts are never pinned:
the parser is still improving.

`corpus_out()` and `expected()` are shared with test_remote.py, so the corpus is built and
each query run on the embedded store once per test session.
"""

from __future__ import annotations

import atexit
import csv
import functools
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPUS, CSV_EXPORT, SHARED, run_cli
from kg.query import Result, bundled, open_dataset, run_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import OxigraphServer, http_request  # noqa: E402

BASE = "https://example.org/kg/"
SEED_DOC = BASE + "document/000-ciphered-telegram-22834-mao-zedong-filippov-1951-08-13"
QIDS = SHARED / "reference" / "wikidata-qids.tsv"
SAMPLE_PARAMS: dict[str, dict[str, str]] = {
    "documents-mentioning": {"name": "Li Kenong"},
    "person-correspondence": {"person": "Mao Zedong"},
    "documents-in-range": {"from": "1951-08-01", "to": "1951-08-31"},
}
FEDERATED = "wikidata-federated"  # needs a stand-in Wikidata endpoint: see wikidata_standin()


@functools.lru_cache(maxsize=1)
def corpus_out() -> Path:
    """The corpus built once per session, with the CLI as a user runs it, in a temp folder."""
    tmp = Path(tempfile.mkdtemp(prefix="kg-corpus-"))
    atexit.register(shutil.rmtree, tmp, True)
    out = tmp / "out"
    code, output = run_cli("build", str(CORPUS), str(CSV_EXPORT), "-o", str(out), "--quiet")
    # Exit 1/2 are allowed: some documents may not conform or parse while the parser improves.
    assert code in (0, 1, 2) and (out / "dataset.nq").is_file(), output
    return out


@functools.lru_cache(maxsize=1)
def embedded():  # noqa: ANN201 - a pyoxigraph Store
    return open_dataset(corpus_out() / "dataset.nq")


@functools.cache
def expected(name: str) -> tuple[Result, float]:
    """The query's rows on the embedded store (as `kg query --data OUT` gives them), and seconds."""
    assert name != FEDERATED, "the federated query needs a stand-in endpoint"
    start = time.monotonic()
    result = run_store(embedded(), bundled()[name], SAMPLE_PARAMS.get(name, {}))
    return result, time.monotonic() - start


def rows(name: str) -> list[dict[str, str | None]]:
    result, _ = expected(name)
    return [dict(zip(result.variables, row, strict=True)) for row in result.rows]


def qid_table() -> dict[str, dict[str, str]]:
    with QIDS.open(encoding="utf-8", newline="") as f:
        return {r["qid"]: r for r in csv.DictReader(f, delimiter="\t")}


def wikidata_standin() -> str:
    """A tiny Wikidata-shaped graph (N-Triples) made only from the verified QID table."""
    lines = []
    for qid, r in sorted(qid_table().items()):
        item = f"<http://www.wikidata.org/entity/{qid}>"
        name = r["name"].replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'{item} <http://www.w3.org/2000/01/rdf-schema#label> "{name}"@en .')
        lines.append(f'{item} <http://www.w3.org/2000/01/rdf-schema#label> "{name} (de)"@de .')
        for prop, column in (("P569", "born"), ("P570", "died")):
            if r[column]:
                lines.append(f"{item} <http://www.wikidata.org/prop/direct/{prop}> "
                             f'"{r[column]}T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .')
    return "\n".join(lines) + "\n"


def is_sorted(keys: list) -> bool:  # type: ignore[type-arg]
    return all(a <= b for a, b in zip(keys, keys[1:], strict=False))


# --------------------------------------------------------------------------- the registry


def test_at_least_twelve_documented_queries_each_tested_here() -> None:
    queries = bundled()
    assert len(queries) >= 12, sorted(queries)
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals()
              if name.startswith("test_")}
    for name, q in queries.items():
        assert q.title and q.title != name and q.description, f"{name}.rq lacks a title or description"
        assert all(p.doc for p in q.params), f"{name}.rq has a parameter without a description"
        assert name in tested, f"{name}.rq has no test of its rows in {Path(__file__).name}"
        if name != FEDERATED:
            assert {p.name for p in q.params if p.default is None} == set(SAMPLE_PARAMS.get(name, {})), \
                f"give {name} sample parameters in SAMPLE_PARAMS"


@pytest.mark.parametrize("name", [n for n in sorted(bundled()) if n != FEDERATED])
def test_no_query_repeats_a_row(name: str) -> None:
    result, _ = expected(name)
    repeated = [row for row, n in Counter(result.rows).items() if n > 1]
    assert not repeated, f"{name}: {len(repeated)} rows appear more than once, e.g. {repeated[0]}"


# --------------------------------------------------------------------------- one test per query


def test_correspondence() -> None:
    got = {(r["date"], r["sender"], r["addressee"], r["kind"], r["document"])
           for r in rows("correspondence")}
    assert ("1951-08-13", "Mao Zedong", "Joseph Stalin", "record", SEED_DOC) in got
    assert ("1951-08-12", "Li Kenong", "Mao Zedong", "relayed", SEED_DOC + "/relayed/1") in got


def test_correspondence_network() -> None:
    got = rows("correspondence-network")
    pairs = {(r["sender"], r["addressee"]): r for r in got}
    assert len(pairs) == len(got), "each pair of correspondents appears once"
    mao_stalin = pairs[("Mao Zedong", "Joseph Stalin")]
    assert int(mao_stalin["messages"] or 0) >= 1
    assert (mao_stalin["first"] or "") <= "1951-08-13" <= (mao_stalin["last"] or "")
    li_mao = pairs[("Li Kenong", "Mao Zedong")]
    assert (li_mao["first"] or "") <= "1951-08-12" <= (li_mao["last"] or "")
    for r in got:
        assert int(r["messages"] or 0) >= 1
        if r["first"] is not None:
            assert r["first"] <= (r["last"] or ""), r
    counts = [-int(r["messages"] or 0) for r in got]
    assert is_sorted(counts), "most frequent correspondents first"


def test_person_correspondence() -> None:
    got = rows("person-correspondence")
    keys = {(r["date"], r["direction"], r["correspondent"], r["kind"], r["document"]) for r in got}
    assert ("1951-08-13", "sent", "Joseph Stalin", "record", SEED_DOC) in keys
    assert ("1951-08-12", "received", "Li Kenong", "relayed", SEED_DOC) in keys
    # the earlier telegram Li Kenong's message answers: Mao to Li Kenong, 11 August
    assert ("1951-08-11", "sent", "Li Kenong", "referred to", SEED_DOC) in keys
    assert {r["direction"] for r in got} <= {"sent", "received"}
    assert is_sorted([r["date"] or "" for r in got]), "oldest first, undated first"


def test_copies() -> None:
    seed = {(r["recipient"], r["copies"]) for r in rows("copies") if r["document"] == SEED_DOC}
    assert seed == {("Joseph Stalin", "2"), ("Vyacheslav Molotov", "1"), ("Georgy Malenkov", "1"),
                    ("Lavrentiy Beria", "1"), ("Nikolai Bulganin", "1")}


def test_relays() -> None:
    got = {(r["document"], r["relation"], r["sender"], r["date"]) for r in rows("relays")}
    assert (SEED_DOC, "relays", "Li Kenong", "1951-08-12") in got
    # Li Kenong's relayed message refers to Mao's telegram of 11 August
    assert (SEED_DOC + "/relayed/1", "refers to", "Mao Zedong", "1951-08-11") in got


def test_code_names() -> None:
    got = {(r["code_name"], r["person"], r["identified_as"], r["document"]) for r in rows("code-names")}
    assert ("Filippov", "Joseph Stalin", "[Stalin]", SEED_DOC) in got
    assert all(person == "Joseph Stalin" for name, person, _, _ in got if name == "Filippov")


def test_documents_in_range() -> None:
    got = rows("documents-in-range")
    assert SEED_DOC in {r["document"] for r in got}
    seed = next(r for r in got if r["document"] == SEED_DOC)
    assert (seed["sender"], seed["addressee"]) == ("Mao Zedong", "Joseph Stalin")
    for r in got:  # a written date (day, month or year) overlapping August 1951
        date = r["date"] or ""
        assert "1951-08-01"[: len(date)] <= date <= "1951-08-31"[: len(date)], r
    assert is_sorted([r["date"] for r in got])


def test_documents_in_range_rejects_a_date_that_is_not_one() -> None:
    code, out = run_cli("query", "documents-in-range", "--data", str(corpus_out()),
                        "--param", "from=1951-02-30", "--param", "to=1951-12-31")
    assert code == 2 and "from" in out and "YYYY-MM-DD" in out


def test_documents_mentioning() -> None:
    got = rows("documents-mentioning")
    assert SEED_DOC in {r["document"] for r in got}
    assert all(int(r["mentions"] or 0) >= 1 for r in got)


def test_places() -> None:
    got = rows("places")
    qids = qid_table()
    beijing = next(r for r in got if r["place"] == "Beijing")
    assert int(beijing["documents"] or 0) >= 1
    assert beijing["wikidata"] == "http://www.wikidata.org/entity/" + next(
        q for q, r in qids.items() if r["name"] == "Beijing")
    assert is_sorted([(-int(r["documents"] or 0), r["place"]) for r in got])
    assert len({r["place"] for r in got}) == len(got), "each place once"


def test_co_mentioned() -> None:
    got = rows("co-mentioned")
    pairs = [frozenset((r["person1"], r["person2"])) for r in got]
    assert len(set(pairs)) == len(pairs), "each pair of persons appears once"
    by_pair = {frozenset((r["person1"], r["person2"])): int(r["documents"] or 0) for r in got}
    # the seed's copy list names all five together
    assert by_pair[frozenset(("Vyacheslav Molotov", "Lavrentiy Beria"))] >= 1
    assert by_pair[frozenset(("Joseph Stalin", "Mao Zedong"))] >= 1
    assert all(r["person1"] != r["person2"] for r in got)
    assert is_sorted([-int(r["documents"] or 0) for r in got])


def test_references() -> None:
    got = {(r["as_written"], r["sender"], r["addressee"], r["date"])
           for r in rows("references") if r["document"] == SEED_DOC}
    assert ("your telegram of 11 August 7:00", "Mao Zedong", "Li Kenong", "1951-08-11") in got


def test_wikidata_links() -> None:
    got = rows("wikidata-links")
    qids = qid_table()
    for r in got:
        qid = (r["wikidata"] or "").rsplit("/", 1)[-1]
        assert qid in qids, f"{r['label']} is linked to {qid}, which is not in {QIDS.name}"
        assert int(r["documents"] or 0) >= 0
    linked = {(r["type"], r["label"], r["wikidata"]) for r in got}
    assert ("person", "Mao Zedong", "http://www.wikidata.org/entity/Q5816") in linked
    assert ("person", "Joseph Stalin", "http://www.wikidata.org/entity/Q855") in linked


def test_statistics() -> None:
    import pyoxigraph as ox

    got = rows("statistics")
    simple = {r["statistic"]: int(r["value"] or 0) for r in got if r["type"] is None}
    by_type = {r["type"]: int(r["value"] or 0) for r in got if r["statistic"] == "entities"}
    quads = list(ox.parse(path=str(corpus_out() / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
    kg_graphs = {str(q.graph_name) for q in quads
                 if q.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                 and q.object.value == "http://www.w3.org/ns/prov#Entity" and q.subject == q.graph_name}
    entities = {g for g in kg_graphs if g.endswith("/graph/entities>")}
    assert len(entities) == 1  # the documents' graphs and graph/entities
    assert simple["graphs"] == len(kg_graphs) == simple["documents"] + 1 >= 2
    assert simple["triples"] == sum(1 for q in quads if str(q.graph_name) in kg_graphs)
    assert by_type["http://www.cidoc-crm.org/cidoc-crm/E21_Person"] >= 7  # the seed alone names 7+
    assert by_type["https://w3id.org/kg-archive/ns#ArchiveRecord"] == simple["documents"]


@pytest.mark.servers
def test_wikidata_federated() -> None:
    """Joined with a local Oxigraph server that stands in for Wikidata (QIDs from the table only)."""
    qids = qid_table()
    with OxigraphServer() as wikidata:
        resp = http_request("PUT", wikidata.graph_url(None), data=wikidata_standin(),
                            headers={"Content-Type": "application/n-triples"})
        assert resp.status in (201, 204), resp.text
        result = run_store(embedded(), bundled()[FEDERATED], {"endpoint": wikidata.query_url})
        # the same query through the CLI: the endpoint parameter is an IRI, written into SERVICE
        code, out = run_cli("query", FEDERATED, "--data", str(corpus_out()), "--format", "csv",
                            "--param", f"endpoint={wikidata.query_url}")
    assert code == 0, out
    got = [dict(zip(result.variables, row, strict=True)) for row in result.rows]
    mao = [r for r in got if r["person"] == "Mao Zedong"]
    assert mao == [{"person": "Mao Zedong", "wikidata": "http://www.wikidata.org/entity/Q5816",
                    "wikidata_label": "Mao Zedong", "born": "1893-12-26", "died": "1976-09-09"}]
    for r in got:
        assert (r["wikidata"] or "").rsplit("/", 1)[-1] in qids
        assert not (r["wikidata_label"] or "").endswith("(de)"), "only English labels"
    assert len(out.strip().splitlines()) == len(got) + 1


def test_federated_query_with_an_unreachable_endpoint_is_exit_3() -> None:
    code, out = run_cli("query", FEDERATED, "--data", str(corpus_out()), "--param",
                        "endpoint=http://127.0.0.1:9/sparql")
    assert code == 3 and "SERVICE" in out and "Traceback" not in out


def test_iri_parameter_cannot_break_out_of_service() -> None:
    for crafted in ("http://x.org/q> } ; DROP ALL ; #", "not an iri", 'http://x.org/"'):
        code, out = run_cli("query", FEDERATED, "--data", str(corpus_out()), "--param",
                            f"endpoint={crafted}")
        assert code == 2 and "not an absolute IRI" in out, out

