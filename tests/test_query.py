"""Each bundled query returns the rows the seed telegram supports (read from its text)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import run_cli
from kg.query import bundled


def rows(seed_out: Path, name: str, *params: str) -> list[dict[str, str]]:
    args = ["query", name, "--data", str(seed_out), "--format", "csv"]
    for p in params:
        args += ["--param", p]
    code, out = run_cli(*args)
    assert code == 0, out
    return list(csv.DictReader(io.StringIO(out)))


def test_every_bundled_query_is_documented() -> None:
    for name, q in bundled().items():
        assert q.title != name and q.description, f"{name}.rq lacks a title or description"


def test_correspondence(seed_out: Path) -> None:
    got = {(r["date"], r["sender"], r["addressee"], r["kind"])
           for r in rows(seed_out, "correspondence")}
    assert got == {
        ("1951-08-13", "Mao Zedong", "Joseph Stalin", "record"),
        ("1951-08-12", "Li Kenong", "Mao Zedong", "relayed"),
        # "I received your telegram of 11 August 7:00", Li Kenong to Mao: Mao wrote it.
        ("1951-08-11", "Mao Zedong", "Li Kenong", "referred to"),
    }


def test_copies(seed_out: Path) -> None:
    got = {(r["recipient"], r["copies"]) for r in rows(seed_out, "copies")}
    assert got == {("Joseph Stalin", "2"), ("Vyacheslav Molotov", "1"), ("Georgy Malenkov", "1"),
                   ("Lavrentiy Beria", "1"), ("Nikolai Bulganin", "1")}


def test_relays(seed_out: Path) -> None:
    got = sorted((r["relation"], r["sender"], r["date"]) for r in rows(seed_out, "relays"))
    assert got == [("refers to", "", "1951-07-17"), ("refers to", "Mao Zedong", "1951-08-11"),
                   ("relays", "Li Kenong", "1951-08-12")]


def test_code_names(seed_out: Path) -> None:
    got = [(r["code_name"], r["person"], r["identified_as"]) for r in rows(seed_out, "code-names")]
    # Only "Filippov [Stalin]" is written in the seed; other cover names come from the authority
    # file and carry no identification in this document.
    assert [g for g in got if g[2]] == [("Filippov", "Joseph Stalin", "[Stalin]")]
    assert {g[1] for g in got} == {"Joseph Stalin"}


# Counts read from the page: "Mao Zedong" in the title, "To Comrade Mao Zedong." and the
# signature "MAO ZEDONG"; "38th parallel" 8 times in the text (a 9th is in the summary).
@pytest.mark.parametrize(("name", "count"), [("Deng Hua", "1"), ("Mao Zedong", "3"),
                                             ("38th parallel", "8")])
def test_documents_mentioning(seed_out: Path, name: str, count: str) -> None:
    got = rows(seed_out, "documents-mentioning", f"name={name}")
    assert [(r["date"], r["mentions"]) for r in got] == [("1951-08-13", count)]


def test_parameter_cannot_change_the_query(seed_out: Path) -> None:
    crafted = 'Deng Hua" } } SELECT * WHERE { ?s ?p ?o } #'
    assert rows(seed_out, "documents-mentioning", f"name={crafted}") == []


def test_json_and_table_formats(seed_out: Path) -> None:
    code, out = run_cli("query", "copies", "--data", str(seed_out), "--format", "json")
    assert code == 0 and len(json.loads(out)["results"]["bindings"]) == 5
    code, out = run_cli("query", "copies", "--data", str(seed_out))
    assert code == 0 and out.rstrip().endswith("(5 rows)")


def test_missing_parameter_is_a_usage_error(seed_out: Path) -> None:
    code, out = run_cli("query", "documents-mentioning", "--data", str(seed_out))
    assert code == 2 and "--param name=" in out
