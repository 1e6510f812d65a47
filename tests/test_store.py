"""The embedded store: `kg load` replaces each document graph, never duplicates, prunes on request,
verifies counts, and `kg query` reads the store once there is one, with the same rows.

Oxigraph (like Virtuoso, Fuseki and others) stores every integer-derived XSD type as
xsd:integer: `"5"^^xsd:nonNegativeInteger` (oa:start, oa:end) comes back as
`"5"^^xsd:integer`. Comparisons with the dataset normalise that one difference, openly.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from conftest import CORPUS, run_cli
from graphs import self_contained
from kg.query import bundled
from kg.store import DEFAULT_STORE, Dataset, load_embedded, read_dataset

BASE = "https://example.org/kg/"
SEED_KEY = "000-ciphered-telegram-22834-mao-zedong-filippov-1951-08-13"
SEED_GRAPH = BASE + "graph/" + SEED_KEY
SAMPLE_PARAMS = {
    "documents-mentioning": {"name": "Deng Hua"},
    "person-correspondence": {"person": "Mao Zedong"},
    "documents-in-range": {"from": "1951-01-01", "to": "1951-12-31"},
}
LOCAL_QUERIES = [n for n in bundled() if n != "wikidata-federated"]  # that one needs a network


@pytest.fixture
def out(seed_out: Path, tmp_path: Path) -> Path:
    """A private copy of the built seed, so loading into OUT/store never touches the shared one."""
    copy = tmp_path / "out"
    shutil.copytree(seed_out, copy)
    return copy


INTEGER_TYPES = re.compile(r'"\^\^<http://www\.w3\.org/2001/XMLSchema#'
                           r'(?:nonNegativeInteger|positiveInteger|nonPositiveInteger|negativeInteger'
                           r'|long|int|short|byte|unsignedLong|unsignedInt|unsignedShort|unsignedByte)>')


def as_stored(quad: str) -> str:
    """A quad as Oxigraph stores it: integer-derived datatypes become xsd:integer."""
    return INTEGER_TYPES.sub('"^^<http://www.w3.org/2001/XMLSchema#integer>', quad)


def nquads(path: Path) -> set[str]:
    return {as_stored(str(q)) for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)}


def store_quads(path: Path) -> set[str]:
    store = ox.Store.read_only(str(path))
    return {str(q) for q in store}


def test_oxigraph_stores_non_negative_integers_as_integers() -> None:
    """The quirk the comparisons here normalise; if Oxigraph stops doing it, drop as_stored()."""
    store = ox.Store()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"),
                      ox.Literal("5", datatype=ox.NamedNode(xsd + "nonNegativeInteger"))))
    assert [q.object.datatype.value for q in store] == [xsd + "integer"]


def query_csv(*args: str) -> tuple[int, list[list[str]]]:
    code, output = run_cli("query", *args, "--format", "csv")
    return code, list(csv.reader(io.StringIO(output)))


def params(name: str) -> list[str]:
    return [a for k, v in SAMPLE_PARAMS.get(name, {}).items() for a in ("--param", f"{k}={v}")]


def write_dataset(folder: Path, quads: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.nq").write_text("".join(q + " .\n" for q in sorted(quads)), encoding="utf-8")
    return folder


def test_load_puts_exactly_the_dataset_in_the_store_and_reload_never_duplicates(out: Path) -> None:
    code, output = run_cli("load", str(out), "--quiet")
    assert code == 0, output
    assert "verified: all 3 graphs hold exactly the dataset's triples" in output
    expected = nquads(out / "dataset.nq")
    assert store_quads(out / DEFAULT_STORE) == expected

    # the document graph in the store, with what graph/entities says of the entities it
    # names, is the document's Turtle, by isomorphism
    store = ox.Store.read_only(str(out / DEFAULT_STORE))
    seed, entities = (Graph().parse(data=ox.serialize(
        [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))],
        format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
        for graph in (SEED_GRAPH, BASE + "graph/entities"))
    from_store = self_contained(seed, entities)
    del store
    from_file = Graph().parse(data="\n".join(
        as_stored(line) for line in ox.serialize(
            ox.parse(path=str(out / "documents" / f"{SEED_KEY}.ttl"), format=ox.RdfFormat.TURTLE),
            format=ox.RdfFormat.N_TRIPLES).decode().splitlines()), format="nt")
    iso_a, iso_b = to_isomorphic(from_store), to_isomorphic(from_file)
    if iso_a != iso_b:
        _, only_store, only_file = graph_diff(iso_a, iso_b)
        pytest.fail("store graph differs from the document's Turtle:\nonly in store:\n"
                    + only_store.serialize(format="nt") + "only in file:\n" + only_file.serialize(format="nt"))

    for _ in range(2):
        code, output = run_cli("load", str(out), "--quiet")
        assert code == 0, output
    assert store_quads(out / DEFAULT_STORE) == expected
    assert len(ox.Store.read_only(str(out / DEFAULT_STORE))) == len(expected)


def test_reloading_a_changed_document_replaces_its_graph(out: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("load", str(out), "--store", str(store), "--quiet")[0] == 0
    original = sorted(nquads(out / "dataset.nq"))
    title = next(q for q in original if "/title>" in q and SEED_GRAPH in q)
    renamed = title.replace("Ciphered Telegram No. 22834", "Telegram 22834 (retitled)")
    changed = write_dataset(tmp_path / "changed", [q[:-2] if q.endswith(" .") else q
                                                   for q in original if q != title] + [renamed])
    code, output = run_cli("load", str(changed), "--store", str(store), "--quiet")
    assert code == 0, output
    held = store_quads(store)
    assert title not in held and renamed in held
    assert len(held) == len(original)


def test_prune_removes_graphs_of_documents_no_longer_in_the_dataset(out: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    gone = BASE + "graph/999-a-document-since-removed"
    extra = [f"<{BASE}document/999> <http://purl.org/dc/terms/title> \"gone\" <{gone}>"]
    bigger = write_dataset(tmp_path / "bigger",
                           [q for q in nquads(out / "dataset.nq")] + extra)
    assert run_cli("load", str(bigger), "--store", str(store), "--quiet")[0] == 0
    # a graph that is not kg's: prune must never touch it
    s = ox.Store(str(store))
    s.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("kept"),
                  ox.NamedNode("urn:x:someone-elses-graph")))
    del s

    code, output = run_cli("load", str(out), "--store", str(store), "--quiet")
    assert code == 0 and "1 graphs in the store are not in this dataset" in output and gone in output
    assert ox.Store.read_only(str(store)).contains_named_graph(ox.NamedNode(gone))

    code, output = run_cli("load", str(out), "--store", str(store), "--prune", "--quiet")
    assert code == 0 and "removed 1 graphs" in output, output
    s = ox.Store.read_only(str(store))
    assert not s.contains_named_graph(ox.NamedNode(gone))
    assert s.contains_named_graph(ox.NamedNode("urn:x:someone-elses-graph"))
    assert store_quads(store) - {str(q) for q in s.quads_for_pattern(
        None, None, None, ox.NamedNode("urn:x:someone-elses-graph"))} == nquads(out / "dataset.nq")


def test_query_reads_the_store_once_loaded_with_the_same_rows(out: Path) -> None:
    before = {name: query_csv(name, "--data", str(out), *params(name)) for name in LOCAL_QUERIES}
    assert all(code == 0 for code, _ in before.values()), before
    assert run_cli("load", str(out), "--quiet")[0] == 0
    # Without dataset.nq the query can only have come from OUT/store.
    (out / "dataset.nq").rename(out / "dataset.nq.away")
    for name in LOCAL_QUERIES:
        assert query_csv(name, "--data", str(out), *params(name)) == before[name], name
    assert query_csv("copies", "--store", str(out / DEFAULT_STORE))[1] == before["copies"][1]


def test_query_works_while_a_load_holds_the_store_and_a_second_writer_fails_clearly(out: Path) -> None:
    assert run_cli("load", str(out), "--quiet")[0] == 0
    writer = ox.Store(str(out / DEFAULT_STORE))  # as a running `kg load` holds it
    try:
        code, rows = query_csv("copies", "--data", str(out))
        assert code == 0 and len(rows) > 1
        code, output = run_cli("load", str(out), "--quiet")
        assert code == 2 and "another process has this store open for writing" in output, output
    finally:
        del writer


def test_verify_only_reports_a_store_that_lost_a_triple(out: Path) -> None:
    assert run_cli("load", str(out), "--quiet")[0] == 0
    s = ox.Store(str(out / DEFAULT_STORE))
    victim = next(iter(s.quads_for_pattern(None, None, None, ox.NamedNode(SEED_GRAPH))))
    s.remove(victim)
    del s
    code, output = run_cli("load", str(out), "--verify-only")
    size = len([q for q in nquads(out / "dataset.nq") if SEED_GRAPH + ">" in q])
    assert code == 3, output
    assert "VERIFY FAILED: 1 of 3 graphs" in output and f"{SEED_GRAPH}: dataset {size}, store {size - 1}" in output
    # the failed verification withdrew the digests, so the next load trusts nothing it held
    code, output = run_cli("load", str(out), "--quiet")
    assert code == 0 and "verified: all 3 graphs" in output and "unchanged" not in output, output
    assert run_cli("load", str(out), "--verify-only")[0] == 0


def test_load_library_reports_counts_and_progress(out: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    for _ in range(2):  # a new store (bulk load), then one to replace graphs in (one by one)
        report = load_embedded(Dataset(out), tmp_path / "s", progress=lambda d, t: seen.append((d, t)))
        assert [g.graph for g in report.graphs] == [SEED_GRAPH, BASE + "graph/entities", BASE + "graph/links"]
        assert report.triples == len(nquads(out / "dataset.nq")) and not report.mismatches
    assert seen == [(3, 3), (1, 3), (2, 3), (3, 3)]


def test_load_sends_only_the_graphs_whose_digest_changed(tmp_path: Path) -> None:
    """After an incremental build that corrected one document, `kg load` replaces just its
    graph (manifest digests against those of the last verified load), and the store then
    holds exactly the new dataset."""
    sources = tmp_path / "in"
    sources.mkdir()
    for name in ("000_ciphered-telegram-22834-mao-zedong-filippov-1951-08-13.txt",
                 "012_ciphered-telegram-25553-roshchin-filippov.txt"):
        shutil.copyfile(CORPUS / name, sources / name)
    out = tmp_path / "out"
    assert run_cli("build", str(sources), "-o", str(out), "--quiet")[0] == 0
    code, output = run_cli("load", str(out), "--quiet")
    assert code == 0 and "unchanged" not in output, output
    first = store_quads(out / DEFAULT_STORE)
    edited = sources / "012_ciphered-telegram-25553-roshchin-filippov.txt"
    text = edited.read_text(encoding="utf-8")
    cut = text.index("\n###\n")
    edited.write_text(text[:cut] + "\nA sentence a curator added." + text[cut:], encoding="utf-8")
    code, output = run_cli("build", str(sources), "-o", str(out))
    assert code == 0 and "(1 unchanged, taken from the previous build)" in output, output
    code, output = run_cli("load", str(out), "--quiet")
    assert code == 0 and "3 more graphs unchanged since the last verified load" in output, output
    assert "loaded 1 graphs" in output and "verified: all 1 graphs" in output, output
    code, output = run_cli("load", str(out), "--quiet", "--full")
    assert code == 0 and "loaded 4 graphs" in output and "unchanged" not in output, output
    assert run_cli("load", str(out), "--verify-only")[0] == 0
    after = store_quads(out / DEFAULT_STORE)
    assert after == nquads(out / "dataset.nq") and after != first
    assert any("A sentence a curator added." in q for q in after - first)


def test_load_without_a_built_dataset_is_bad_input(tmp_path: Path) -> None:
    code, output = run_cli("load", str(tmp_path / "nothing-here"))
    assert code == 2 and "no dataset.nq here" in output and "kg build" in output


def test_a_store_older_than_the_build_is_not_queried(tmp_path: Path) -> None:
    """After a rebuild the kept store is stale until `kg load`: kg query reads the build instead."""
    from conftest import ROOT, run_cli

    out = tmp_path / "out"
    assert run_cli("build", str(ROOT / "data"), "-o", str(out), "--quiet")[0] == 0
    assert run_cli("load", str(out), "--quiet")[0] == 0
    code, before = run_cli("query", "copies", "--data", str(out), "--format", "csv")
    assert code == 0 and "warning" not in before and "Joseph Stalin" in before
    # Rebuild from a copy of the seed whose copies list names one recipient less.
    src = tmp_path / "src"
    src.mkdir()
    seed = next((ROOT / "data").glob("000_*.txt"))
    (src / seed.name).write_text(seed.read_text(encoding="utf-8").replace(", Bulganin", ""),
                                 encoding="utf-8")
    assert run_cli("build", str(src), "-o", str(out), "--quiet")[0] == 0
    assert (out / "store").is_dir()
    code, after = run_cli("query", "copies", "--data", str(out), "--format", "csv")
    assert code == 0 and "warning" in after and "kg load" in after
    assert "Nikolai Bulganin" not in after
    assert run_cli("load", str(out), "--quiet")[0] == 0
    code, reloaded = run_cli("query", "copies", "--data", str(out), "--format", "csv")
    assert code == 0 and "warning" not in reloaded and "Nikolai Bulganin" not in reloaded


def test_an_interrupted_load_leaves_nothing_that_vouches_for_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load stopped half-way (Ctrl-C) must not leave the stamp `kg query` trusts, nor the
    digests the next load trusts: the next query warns and reads dataset.nq, and the next
    load replaces everything and verifies."""
    import kg.store

    out = tmp_path / "out"
    assert run_cli("build", str(CORPUS), "-o", str(out), "--quiet")[0] == 0
    store = tmp_path / "store"
    assert not load_embedded(read_dataset(out), store).mismatches  # verified: stamp written
    edited = tmp_path / "in"
    shutil.copytree(CORPUS, edited)
    first = sorted(edited.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("\n###\n", "\nAdded.\n###\n", 1),
                     encoding="utf-8")
    (edited / "zz-new.txt").write_text((edited / first.name).read_text(encoding="utf-8"),
                                       encoding="utf-8")
    assert run_cli("build", str(edited), "-o", str(out), "--quiet")[0] == 0
    real, calls = kg.store._replace_graph, [0]

    def stop_on_the_second(*args: object) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(kg.store, "_replace_graph", stop_on_the_second)
    with pytest.raises(KeyboardInterrupt) as stopped:
        load_embedded(read_dataset(out), store)
    monkeypatch.undo()
    del stopped  # its traceback holds the store open
    gc.collect()
    assert not (tmp_path / ".store.kg-loaded-from.txt").exists()
    assert not (tmp_path / ".store.kg-loaded-graphs.json").exists()
    report = load_embedded(read_dataset(out), store)
    assert not report.mismatches and report.unchanged == 0  # nothing trusted: all sent again
    assert store_quads(store) == nquads(out / "dataset.nq")
