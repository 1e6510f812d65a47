"""Shared fixtures: paths to the seed and the shared corpus, and a built seed dataset."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))
SEED = next((ROOT / "data").glob("000_*.txt"))
CORPUS = SHARED / "corpus" / "wilson-center"
CSV_EXPORT = SHARED / "corpus" / "archive-csv"
VOCAB = [SHARED / "vocab" / "CIDOC_CRM_v7.1.3.rdf", SHARED / "vocab" / "CIDOC_CRM_v7.1.3_PC.rdf"]
PREFIXES = """PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX la: <https://linked.art/ns/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX kg: <https://w3id.org/kg-archive/ns#>
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def run_cli(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Run the kg CLI in-process; returns (exit code, stdout+stderr)."""
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed telegram built once for the session, with the CLI as a user runs it."""
    out = tmp_path_factory.mktemp("seed") / "out"
    code, output = run_cli("build", str(ROOT / "data"), "-o", str(out), "--quiet")
    assert code == 0, output
    return out


@pytest.fixture(scope="session")
def seed_store(seed_out: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(seed_out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def select(store: ox.Store, body: str) -> list[dict[str, str]]:
    """Rows of a SELECT over the union of graphs, as plain strings."""
    res = store.query(PREFIXES + body, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in res]
