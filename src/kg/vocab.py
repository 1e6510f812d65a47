"""Checked vocabularies: every term kg emits is declared once here, so a misspelt one raises.

`CRM` lists only the CIDOC CRM 7.1.3 terms kg uses; tests prove each exists in the official
RDFS. Terms whose local names hold '-' or '.' are reached as ``CRM["P4_has_time-span"]``.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace


class CRM(DefinedNamespace):
    _NS = Namespace("http://www.cidoc-crm.org/cidoc-crm/")
    _fail = True
    _extras = [
        "E52_Time-Span",
        "E33_E41_Linguistic_Appellation",
        "P4_has_time-span",
        "P14.1_in_the_role_of",
    ]

    E7_Activity: URIRef
    E13_Attribute_Assignment: URIRef
    E21_Person: URIRef
    E31_Document: URIRef
    E33_Linguistic_Object: URIRef
    E41_Appellation: URIRef
    E42_Identifier: URIRef
    E53_Place: URIRef
    E55_Type: URIRef
    E65_Creation: URIRef
    E74_Group: URIRef
    P1_is_identified_by: URIRef
    P2_has_type: URIRef
    P3_has_note: URIRef
    P7_took_place_at: URIRef
    P14_carried_out_by: URIRef
    P16_used_specific_object: URIRef
    P01_has_domain: URIRef
    P02_has_range: URIRef
    P67_refers_to: URIRef
    P72_has_language: URIRef
    P82a_begin_of_the_begin: URIRef
    P82b_end_of_the_end: URIRef
    P94i_was_created_by: URIRef
    P140_assigned_attribute_to: URIRef
    P141_assigned: URIRef
    P165_incorporates: URIRef
    P190_has_symbolic_content: URIRef
    PC14_carried_out_by: URIRef


class KG(DefinedNamespace):
    """The project's own vocabulary (ontology/kg.ttl declares and documents each term)."""

    _NS = Namespace("https://w3id.org/kg-archive/ns#")
    _fail = True

    # shortcut properties
    sender: URIRef
    addressee: URIRef
    copyRecipient: URIRef
    intermediary: URIRef
    sentFrom: URIRef
    relays: URIRef
    refersToMessage: URIRef
    mentions: URIRef
    # literals kept as written
    asWritten: URIRef
    copyCount: URIRef
    complete: URIRef
    genre: URIRef
    sourceFile: URIRef
    sourceRow: URIRef
    sha256: URIRef
    # classes
    ArchiveRecord: URIRef
    Correspondence: URIRef
    RelayedMessage: URIRef
    # types (instances of crm:E55_Type)
    Dispatch: URIRef
    Receipt: URIRef
    CodeName: URIRef
    Name: URIRef
    TelegramNumber: URIRef
    OutgoingNumber: URIRef
    RecordID: URIRef
    ReferenceNumber: URIRef
    RoleSender: URIRef
    RoleAddressee: URIRef
    RoleCopyRecipient: URIRef
    RoleIntermediary: URIRef
    EditorialIdentification: URIRef
    IncompleteCopy: URIRef


class LA(DefinedNamespace):
    _NS = Namespace("https://linked.art/ns/terms/")
    _fail = True

    equivalent: URIRef


class OA(DefinedNamespace):
    _NS = Namespace("http://www.w3.org/ns/oa#")
    _fail = True

    Annotation: URIRef
    SpecificResource: URIRef
    TextQuoteSelector: URIRef
    TextPositionSelector: URIRef
    hasBody: URIRef
    hasTarget: URIRef
    hasSource: URIRef
    hasSelector: URIRef
    exact: URIRef
    prefix: URIRef
    suffix: URIRef
    start: URIRef
    end: URIRef
    motivatedBy: URIRef
    identifying: URIRef


WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, str] = {
    "crm": str(CRM._NS),
    "kg": str(KG._NS),
    "la": str(LA._NS),
    "oa": str(OA._NS),
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
    "wd": str(WD),
}
