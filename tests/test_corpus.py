"""The whole shared corpus (page copies of every layout and the CSV export) builds and conforms."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import CORPUS, CSV_EXPORT, run_cli, select


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "out"
    code, output = run_cli("build", str(CORPUS), str(CSV_EXPORT), "-o", str(out), "--quiet")
    assert code == 0, output
    assert "Traceback" not in output
    return out


@pytest.fixture(scope="module")
def corpus_store(corpus_out: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(corpus_out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def _csv_rows() -> int:
    with open(next(CSV_EXPORT.glob("*.csv")), encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_every_document_is_published(corpus_out: Path) -> None:
    expected = len(list(CORPUS.glob("*.txt"))) + _csv_rows()
    assert len(list((corpus_out / "documents").glob("*.ttl"))) == expected
    assert (corpus_out / "errors.txt").read_text() == ""


def test_validate_passes(corpus_out: Path) -> None:
    code, out = run_cli("validate", str(corpus_out))
    assert code == 0, out


def test_every_document_keeps_title_and_date(corpus_store: ox.Store) -> None:
    rows = select(corpus_store, """SELECT ?d (COUNT(?t) AS ?titles) (COUNT(?date) AS ?dates)
        WHERE { ?d a kg:ArchiveRecord . OPTIONAL { ?d dcterms:title ?t } OPTIONAL { ?d dcterms:date ?date } }
        GROUP BY ?d""")
    assert rows and all(r["titles"] == "1" and r["dates"] == "1" for r in rows)


def test_truncated_copies_are_marked_and_complete_ones_not(corpus_store: ox.Store) -> None:
    rows = select(corpus_store, """SELECT ?file ?complete WHERE { GRAPH ?g { ?d a kg:ArchiveRecord ;
        kg:complete ?complete } ?g kg:sourceFile ?file }""")
    flags = {r["file"]: r["complete"] for r in rows}
    # From the corpus README: 014, 017, 031 are cut mid-sentence; 000, 015, 052 are complete.
    for prefix in ("014_", "017_", "031_", "033_", "040_"):
        assert [v for k, v in flags.items() if k.startswith(prefix)] == ["false"], prefix
    for prefix in ("000_", "015_", "052_", "022_"):
        assert [v for k, v in flags.items() if k.startswith(prefix)] == ["true"], prefix
    incomplete = select(corpus_store, "SELECT ?d WHERE { ?d crm:P2_has_type kg:IncompleteCopy }")
    assert len(incomplete) == list(flags.values()).count("false")


def test_csv_rows_keep_their_metadata(corpus_store: ox.Store) -> None:
    with open(next(CSV_EXPORT.glob("*.csv")), encoding="utf-8", newline="") as f:
        first = next(csv.DictReader(f))
    rows = select(corpus_store, f"""SELECT ?title ?row ?src WHERE {{ GRAPH ?g {{ ?d a kg:ArchiveRecord ;
        dcterms:title ?title ; dcterms:source ?src FILTER(isIRI(?src)) }} ?g kg:sourceRow ?row .
        FILTER(STR(?src) = "{first['document_url']}") }}""")
    assert rows == [{"title": " ".join(first["title"].split()), "row": "1",
                     "src": first["document_url"]}]
    record = select(corpus_store, f"""SELECT ?c WHERE {{ ?d dcterms:source <{first['document_url']}> ;
        crm:P1_is_identified_by ?i . ?i crm:P2_has_type kg:RecordID ; crm:P190_has_symbolic_content ?c }}""")
    assert record == [{"c": first["record_id"]}]
    places = {r["p"] for r in select(corpus_store, f"""SELECT ?p WHERE {{
        ?d dcterms:source <{first['document_url']}> ; dcterms:subject|dcterms:spatial ?p }}""")}
    assert places or json.loads(first["subjects_discussed"]) == []


def test_relayed_and_enclosed_messages_are_documents(corpus_store: ox.Store) -> None:
    rows = select(corpus_store, """SELECT ?file ?sender ?addressee WHERE { GRAPH ?g {
        ?d crm:P165_incorporates ?r . ?r kg:sender ?s ; kg:addressee ?a . ?g kg:sourceFile ?file }
        ?s rdfs:label ?sender . ?a rdfs:label ?addressee }""")
    got = {(r["file"][:3], r["sender"], r["addressee"]) for r in rows}
    # A letter enclosed in a telegram (045) and a telegram conveyed in a note (054), as the titles say.
    assert ("045", "Kim Il Sung", "Joseph Stalin") in got
    assert ("054", "Mao Zedong", "Zhou Enlai") in got
    assert ("000", "Li Kenong", "Mao Zedong") in got


def test_curation_report_lists_unknown_names(corpus_out: Path) -> None:
    with open(corpus_out / "unknown-entities.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert rows, "the corpus names people the authority file lacks"
    assert set(rows[0]) == {"name_as_written", "type_guess", "documents", "count"}
    for row in rows:
        assert int(row["count"]) >= 1 and row["documents"]
        assert row["type_guess"] in ("person", "place", "organisation")


def test_entities_are_described_once_in_graph_entities(corpus_store: ox.Store) -> None:
    """Labels and names live in graph/entities only, so a join through rdfs:label over the
    union of the graphs gives one row per entity however many documents name it."""
    rows = select(corpus_store, """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g {
        ?e a ?class ; rdfs:label ?label . VALUES ?class { crm:E21_Person crm:E53_Place crm:E74_Group } } }
        GROUP BY ?g""")
    assert [r["g"] for r in rows] == ["https://example.org/kg/graph/entities"], rows
    stalin = "https://example.org/kg/person/joseph-stalin"
    naming = select(corpus_store, f"""SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{
        ?d a kg:ArchiveRecord ; kg:mentions|kg:addressee|kg:sender <{stalin}> }} }}""")
    assert int(naming[0]["n"]) >= 5  # named in many documents ...
    labels = select(corpus_store, f"""SELECT ?label WHERE {{ GRAPH ?g {{ <{stalin}> rdfs:label ?label }} }}""")
    assert labels == [{"label": "Joseph Stalin"}]  # ... described once
