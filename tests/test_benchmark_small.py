"""The benchmark harness (benchmarks/run.py) runs end to end on a small archive.

What is asserted is that it completes, prints every figure, and that what it built conforms
and reads the same in every format; never its timings (those belong in the README, with the
machine they came from).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from conftest import ROOT

pytestmark = pytest.mark.slow

BENCH = ROOT / "benchmarks"
DOCS, SMALL = 160, 40


def _assert_iso(a: rdflib.Graph, b: rdflib.Graph, what: str) -> None:
    if not isomorphic(a, b):
        _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
        raise AssertionError(f"{what}: graphs differ:\nonly in first:\n"
                             + only_a.serialize(format="nt") + "\nonly in second:\n"
                             + only_b.serialize(format="nt"))


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, str]:
    """One run of the harness at ~200 documents, its work folder kept for inspection."""
    tmp = tmp_path_factory.mktemp("bench")
    work, saved = tmp / "work", tmp / "result.json"
    p = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--docs", str(DOCS), "--small", str(SMALL),
         "--jobs", "2", "--query-runs", "2", "--query-timeout", "8", "--query-memory-mb", "2048",
         "--json", str(saved), "--workdir", str(work), "--keep"],
        capture_output=True, text=True, timeout=900, cwd=tmp)
    assert p.returncode == 0, p.stderr[-4000:]
    result = json.loads(p.stdout)
    assert json.loads(saved.read_text(encoding="utf-8")) == result
    return result, work, p.stderr


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def test_every_figure_is_printed(bench: tuple[dict, Path, str]) -> None:
    result, _, stderr = bench
    measured = ("wall_s", "cpu_s", "peak_rss_mb", "peak_tree_rss_mb", "peak_tree_pss_mb")
    for step in ("build", "load", "floor", "naive"):
        for key in measured:
            assert _number(result[step][key]), (step, key, result[step].get(key))
    build = result["build"]
    assert build["documents"] == DOCS and build["triples"] > 100 * DOCS
    for key in ("ms_per_doc", "docs_per_s", "triples_per_s"):
        assert _number(build[key]) and build[key] > 0, key
    assert result["load"]["triples"] == build["triples"]
    assert _number(result["load"]["triples_per_s"])
    assert _number(result["build_plus_load_s"])
    assert _number(result["floor"]["load_s"]) and _number(result["floor"]["serialise_s"])
    assert result["floor"]["triples_loaded"] == build["triples"]
    assert result["floor"]["graphs_written"] == DOCS + 2  # every document, graph/entities, graph/links
    naive = result["naive"]
    assert naive["documents"] == SMALL and naive["documents_read"] == SMALL and naive["conforms"]
    for key in ("parse_map_s", "shacl_s", "turtle_s", "ms_per_doc"):
        assert _number(naive[key]), key
    scaling = result["scaling"]
    assert scaling["small"]["documents"] == SMALL and scaling["large"]["documents"] == DOCS
    assert _number(scaling["time_per_doc_ratio"]) and _number(scaling["peak_memory_ratio"])
    inc = result["incremental"]
    for key in ("rebuild_s", "reload_s", "total_s", "share_of_full_build"):
        assert _number(inc[key]), key
    from kg.query import bundled
    assert set(result["queries"]) == set(bundled())
    for name, q in result["queries"].items():
        assert ("p95_ms" in q and _number(q["median_ms"]) and _number(q["p95_ms"])) \
            or "failed" in q or "skipped" in q, (name, q)
    machine = result["machine"]
    assert machine["cores"] and machine["ram_gb"] > 0 and machine["python"] and machine["cpu"]
    assert machine["packages"]["pyoxigraph"] and machine["code"]["snapshot"] is True
    assert {t["target"] for t in result["targets"]} == {
        "build_plus_load_vs_floor", "speedup_vs_naive", "time_per_doc_ratio", "peak_memory_ratio",
        "incremental_share", "query_p95_ms_max"}
    assert all(t["met"] in (True, False) for t in result["targets"])
    assert "targets:" in stderr and "kg build" in stderr  # the short table


def test_output_conforms(bench: tuple[dict, Path, str]) -> None:
    _, work, _ = bench
    p = subprocess.run([sys.executable, "-m", "kg.cli", "validate", str(work / "out")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert f"{DOCS} of {DOCS} graphs conform" in p.stdout
    assert (work / "out" / "errors.txt").read_text() == ""


def test_incremental_build_is_the_full_build(bench: tuple[dict, Path, str]) -> None:
    """One corrected document: only it is processed again, and the output is byte-identical
    to a full build of the corrected archive (the harness compares every file)."""
    result, _, _ = bench
    inc = result["incremental"]
    assert inc["reused"] == DOCS - 1, inc
    assert inc["identical_to_full_build"] is True
    # kg load sends only the corrected document's graph (the others have the same digest:
    # every document, graph/entities and graph/links), and still verifies every graph
    assert inc["graphs_not_sent_again"] == DOCS + 2 - 1, inc
    assert "verified: all" in inc["reload_output"], inc


def test_dataset_files_and_manifest_agree(bench: tuple[dict, Path, str]) -> None:
    """dataset.nq and dataset.trig, assembled from per-document chunks, hold the same quads,
    and the manifest says where each graph's chunk stands."""
    result, work, _ = bench
    out = work / "out"
    nq, trig = ox.Store(), ox.Store()
    nq.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    trig.bulk_load(path=str(out / "dataset.trig"), format=ox.RdfFormat.TRIG)
    assert len(nq) == len(trig) == result["build"]["triples"]
    assert set(nq) == set(trig)
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines[1:]]
    data = (out / "dataset.nq").read_bytes()
    graphs = [e["graph"] for e in entries if "key" in e]
    assert graphs == sorted(graphs) and len(graphs) == DOCS
    for entry in entries[:: max(1, len(entries) // 10)]:
        offset, length = entry["nquads"]
        chunk = data[offset:offset + length]
        quads = list(ox.parse(input=chunk, format=ox.RdfFormat.N_QUADS))
        assert {q.graph_name.value for q in quads} == {entry["graph"]}
        assert len(quads) == entry["triples"]


def test_jsonld_reads_as_the_turtle(bench: tuple[dict, Path, str]) -> None:
    """The JSON-LD kg writes itself is read as the Turtle by rdflib and by pyld (sampled)."""
    _, work, _ = bench

    def no_network(url: str, options: dict) -> None:
        raise AssertionError(f"JSON-LD processing tried to fetch {url}")

    ttls = sorted((work / "out" / "documents").glob("*.ttl"))
    for ttl in ttls[:: max(1, len(ttls) // 8)]:
        expected = rdflib.Graph().parse(ttl, format="turtle")
        doc = json.loads(ttl.with_suffix(".jsonld").read_text(encoding="utf-8"))
        _assert_iso(expected, rdflib.Graph().parse(ttl.with_suffix(".jsonld"), format="json-ld"),
                    f"{ttl.stem} (rdflib)")
        nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_network})
        _assert_iso(expected, rdflib.Graph().parse(data=nquads, format="nt"), f"{ttl.stem} (pyld)")


def test_synthetic_archive_is_deterministic(tmp_path: Path) -> None:
    """Same N and seed give the same bytes in any process; the first M documents of an
    archive are the M-document archive."""
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import synth; from pathlib import Path; "
              "synth.generate(Path(sys.argv[2]), int(sys.argv[3]), seed=3)")
    for name, n, hash_seed in (("a", 40, "1"), ("b", 40, "2"), ("c", 25, "3")):
        subprocess.run([sys.executable, "-c", script, str(BENCH), str(tmp_path / name), str(n)],
                       check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed}, timeout=120)

    def tree(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file()}

    a, b, c = tree(tmp_path / "a"), tree(tmp_path / "b"), tree(tmp_path / "c")
    assert a == b
    pages_c = {k: v for k, v in c.items() if k.startswith("pages")}
    assert pages_c and all(a[k] == v for k, v in pages_c.items())
    csv_a, csv_c = a["csv/export-000.csv"].decode(), c["csv/export-000.csv"].decode()
    assert csv_a.startswith(csv_c)  # the same rows first, then those of documents 25-39


def test_profile_times_every_stage_and_names_the_hottest_functions(tmp_path: Path) -> None:
    out = tmp_path / "profile.json"
    p = subprocess.run([sys.executable, str(BENCH / "stages.py"), "--docs", "12", "--top", "5",
                        "--json", str(out)], capture_output=True, text=True, cwd=tmp_path,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result == json.loads(p.stdout)
    assert result["documents"] == 12
    stages = result["stages_ms_per_doc"]
    assert set(stages) == {"read", "parse", "map", "describe", "validate", "serialise"}
    assert all(v > 0 for v in stages.values()), stages
    assert sum(stages.values()) <= result["ms_per_doc"] * 1.01  # the stages are within the whole
    assert len(result["hottest_own_time"]) == 5
    assert all(0 < f["share"] <= 1 and f["calls"] >= 1 for f in result["hottest_own_time"])
