"""The foundation issue's facts about the seed telegram, read back from the built dataset.

Expected values come from reading data/000_*.txt (the telegram), not from kg's output.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import SEED, select

DOC = "?d a kg:ArchiveRecord ."


def labels(store: ox.Store, body: str, var: str = "l") -> set[str]:
    return {row[var] for row in select(store, f"SELECT DISTINCT ?{var} WHERE {{ {body} }}")}


def test_title_exactly_as_written(seed_store: ox.Store) -> None:
    assert labels(seed_store, f"{DOC} ?d dcterms:title ?l") == {
        "Ciphered Telegram No. 22834, Mao Zedong to Cde. Filippov [Stalin]"}


def test_date(seed_store: ox.Store) -> None:
    assert labels(seed_store, f"{DOC} ?d dcterms:date ?l") == {"1951-08-13"}
    rows = select(seed_store, f"""SELECT ?b ?e WHERE {{ {DOC}
        ?d crm:P94i_was_created_by/crm:P4_has_time-span ?t .
        ?t crm:P82a_begin_of_the_begin ?b ; crm:P82b_end_of_the_end ?e }}""")
    assert rows == [{"b": "1951-08-13T00:00:00", "e": "1951-08-13T23:59:59"}]


def test_telegram_numbers(seed_store: ox.Store) -> None:
    rows = select(seed_store, f"""SELECT ?c ?type WHERE {{ {DOC}
        ?d crm:P1_is_identified_by ?i . ?i a crm:E42_Identifier ;
        crm:P190_has_symbolic_content ?c ; crm:P2_has_type ?type }} ORDER BY ?c""")
    assert [(r["c"], r["type"].rsplit("#")[-1]) for r in rows] == [
        ("22834", "TelegramNumber"), ("4061", "OutgoingNumber")]


def test_sender_mao_by_crm_path_and_shortcut(seed_store: ox.Store) -> None:
    assert labels(seed_store, f"{DOC} ?d crm:P94i_was_created_by/crm:P14_carried_out_by/rdfs:label ?l"
                  ) == {"Mao Zedong"}
    assert labels(seed_store, f"{DOC} ?d kg:sender/rdfs:label ?l") == {"Mao Zedong"}


def test_addressee_stalin_with_code_name_filippov(seed_store: ox.Store) -> None:
    assert labels(seed_store, f"{DOC} ?d kg:addressee/rdfs:label ?l") == {"Joseph Stalin"}
    rows = select(seed_store, """SELECT ?name ?type WHERE { ?p rdfs:label "Joseph Stalin" ;
        crm:P1_is_identified_by ?a . ?a crm:P190_has_symbolic_content ?name ; crm:P2_has_type ?type }""")
    assert {"name": "Filippov", "type": "https://w3id.org/kg-archive/ns#CodeName"} in rows


def test_editors_bracket_recorded(seed_store: ox.Store) -> None:
    notes = labels(seed_store, """?x a crm:E13_Attribute_Assignment ; crm:P3_has_note ?l ;
        crm:P141_assigned/rdfs:label "Joseph Stalin" ;
        crm:P140_assigned_attribute_to/crm:P190_has_symbolic_content "Filippov" """)
    assert notes == {"[Stalin]"}


def test_receipt_by_stalin_at_1720(seed_store: ox.Store) -> None:
    rows = select(seed_store, f"""SELECT ?who ?b ?w WHERE {{ {DOC}
        ?r crm:P16_used_specific_object ?d ; crm:P2_has_type kg:Receipt ;
           crm:P14_carried_out_by/rdfs:label ?who ; crm:P4_has_time-span ?t .
        ?t crm:P82a_begin_of_the_begin ?b ; kg:asWritten ?w }}""")
    assert rows == [{"who": "Joseph Stalin", "b": "1951-08-13T17:20:00", "w": "17:20 13.8.1951"}]


def test_copy_recipients_with_counts(seed_store: ox.Store) -> None:
    rows = select(seed_store, f"""SELECT ?l ?n WHERE {{ {DOC} ?d kg:copyRecipient ?p . ?p rdfs:label ?l .
        ?role crm:P02_has_range ?p ; crm:P14.1_in_the_role_of kg:RoleCopyRecipient ; kg:copyCount ?n }}""")
    assert {(r["l"], r["n"]) for r in rows} == {
        ("Joseph Stalin", "2"), ("Vyacheslav Molotov", "1"), ("Georgy Malenkov", "1"),
        ("Lavrentiy Beria", "1"), ("Nikolai Bulganin", "1")}


def test_sent_from_beijing(seed_store: ox.Store) -> None:
    assert labels(seed_store, f"{DOC} ?d kg:sentFrom/rdfs:label ?l") == {"Beijing"}
    assert labels(seed_store, f"""{DOC} ?e crm:P16_used_specific_object ?d ;
        crm:P2_has_type kg:Dispatch ; crm:P7_took_place_at/rdfs:label ?l""") == {"Beijing"}


def test_relayed_telegram_of_li_kenong(seed_store: ox.Store) -> None:
    rows = select(seed_store, f"""SELECT ?s ?a ?b WHERE {{ {DOC} ?d crm:P165_incorporates ?r .
        ?r crm:P94i_was_created_by ?c . ?c crm:P14_carried_out_by/rdfs:label ?s ;
        crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?b . ?r kg:addressee/rdfs:label ?a }}""")
    assert rows == [{"s": "Li Kenong", "a": "Mao Zedong", "b": "1951-08-12T04:00:00"}]


@pytest.mark.parametrize("name", ["Deng Hua", "Xie Fang", "Qiao Guanhua", "Li Kenong"])
def test_mentioned_persons(seed_store: ox.Store, name: str) -> None:
    found = labels(seed_store, f"""{DOC} {{ ?d crm:P67_refers_to ?x }} UNION
        {{ ?d crm:P165_incorporates/crm:P67_refers_to ?x }} ?x a crm:E21_Person ; rdfs:label ?l""")
    assert name in found


def test_qiao_guanhua_annotated_as_written(seed_store: ox.Store) -> None:
    assert labels(seed_store, """?a oa:hasBody/rdfs:label "Qiao Guanhua" ;
        oa:hasTarget/oa:hasSelector/oa:exact ?l""") == {"Qiao Guanua"}


@pytest.mark.parametrize("name", ["Korea", "38th parallel"])
def test_mentioned_places(seed_store: ox.Store, name: str) -> None:
    found = labels(seed_store, f"""{DOC} {{ ?d crm:P67_refers_to ?x }} UNION
        {{ ?d crm:P165_incorporates/crm:P67_refers_to ?x }} ?x a crm:E53_Place ; rdfs:label ?l""")
    assert name in found


def test_referred_to_telegrams(seed_store: ox.Store) -> None:
    rows = select(seed_store, f"""SELECT ?date ?sender WHERE {{ {DOC}
        {{ ?d crm:P67_refers_to ?t }} UNION {{ ?d crm:P165_incorporates/crm:P67_refers_to ?t }}
        ?t a crm:E31_Document ; crm:P94i_was_created_by/crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?date .
        OPTIONAL {{ ?t kg:sender/rdfs:label ?sender }} }} ORDER BY ?date""")
    # "your telegram of 11 August 7:00" (Mao's, to Li Kenong) and "the telegram of 17.7.51".
    assert rows == [{"date": "1951-07-17T00:00:00"},
                    {"date": "1951-08-11T07:00:00", "sender": "Mao Zedong"}]


def test_organisation_general_staff(seed_store: ox.Store) -> None:
    assert "Second Main Administration of the General Staff of the Soviet Army" in labels(
        seed_store, "?d crm:P67_refers_to ?o . ?o a crm:E74_Group ; rdfs:label ?l")


@pytest.mark.parametrize(("name", "qid"), [("Mao Zedong", "Q5816"), ("Joseph Stalin", "Q855"),
                                           ("Beijing", "Q956"), ("Vyacheslav Molotov", "Q132899"),
                                           ("Lavrentiy Beria", "Q141829")])
def test_wikidata_links(seed_store: ox.Store, name: str, qid: str) -> None:
    equivalents = labels(seed_store, f'?e rdfs:label "{name}" ; la:equivalent ?l')
    assert equivalents == {f"http://www.wikidata.org/entity/{qid}"}
    same = select(seed_store, f"""SELECT ?g WHERE {{ GRAPH ?g {{ ?e owl:sameAs wd:{qid} }}
        ?e rdfs:label "{name}" }}""")
    assert [r["g"].rsplit("/", 1)[-1] for r in same] == ["links"]


def test_every_annotation_quote_matches_the_source(seed_store: ox.Store) -> None:
    text = SEED.read_text(encoding="utf-8")
    rows = select(seed_store, """SELECT ?exact ?s ?e WHERE { ?a a oa:Annotation ; oa:hasTarget ?t .
        ?t oa:hasSelector ?q , ?p . ?q oa:exact ?exact . ?p oa:start ?s ; oa:end ?e }""")
    assert len(rows) >= 20
    bad = [r for r in rows if text[int(r["s"]):int(r["e"])] != r["exact"]]
    assert bad == []


def test_no_blank_nodes(seed_out: Path) -> None:
    text = (seed_out / "dataset.nq").read_text(encoding="utf-8")
    assert "_:" not in "".join(line.split('"')[0] for line in text.splitlines())


def test_provenance_names_source_and_software(seed_store: ox.Store) -> None:
    rows = select(seed_store, """SELECT ?file ?sum ?sw WHERE { ?g a <http://www.w3.org/ns/prov#Entity> ;
        kg:sourceFile ?file ; kg:sha256 ?sum ; <http://www.w3.org/ns/prov#wasAttributedTo> ?sw }""")
    assert len(rows) == 1 and rows[0]["file"] == SEED.name and len(rows[0]["sum"]) == 64
