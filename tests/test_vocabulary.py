"""Closed vocabularies: every crm: term kg emits exists in CRM 7.1.3; every kg: term is declared."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from conftest import ROOT, VOCAB
from kg.vocab import CRM, KG

CRM_NS = "http://www.cidoc-crm.org/cidoc-crm/"
KG_NS = "https://w3id.org/kg-archive/ns#"


@pytest.fixture(scope="module")
def official_terms() -> set[str]:
    known: set[str] = set()
    for f in VOCAB:
        known |= {str(s) for s in rdflib.Graph().parse(f, format="xml").subjects()}
    return known


def used_terms(nq: Path, namespace: str) -> set[str]:
    used = set()
    for q in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
        for term in (q.predicate, q.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(namespace):
                used.add(term.value)
    return used


def test_emitted_crm_terms_exist(seed_out: Path, official_terms: set[str]) -> None:
    used = used_terms(seed_out / "dataset.nq", CRM_NS)
    assert used, "no CRM terms emitted at all"
    assert sorted(used - official_terms) == []


def test_declared_crm_namespace_is_all_official(official_terms: set[str]) -> None:
    declared = {str(CRM._NS[n]) for n in [*CRM.__annotations__, *CRM._extras]}
    assert sorted(declared - official_terms) == []


def test_misspelt_crm_term_raises() -> None:
    with pytest.raises(AttributeError):
        CRM.E52_Time_Span  # noqa: B018 - the real name is E52_Time-Span


def test_kg_terms_declared_in_ontology(seed_out: Path) -> None:
    onto = rdflib.Graph().parse(ROOT / "ontology" / "kg.ttl")
    declared = {str(s) for s in onto.subjects() if str(s).startswith(KG_NS)}
    assert sorted(used_terms(seed_out / "dataset.nq", KG_NS) - declared) == []
    in_code = {str(KG._NS[n]) for n in KG.__annotations__}
    assert sorted(in_code - declared) == []
