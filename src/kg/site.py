"""Publish a built dataset as a static linked-data site that people can read and machines can fetch.

Input is a `kg build` output folder (its dataset.nq); output is a folder any static web server can
serve. Every page sits at the path of its resource's IRI under the base, so `<base>person/li-kenong`
is `SITE/person/li-kenong/index.html` beside `SITE/person/li-kenong.ttl` and `.jsonld`; the shipped
server snippets (and `kg serve`) answer the bare IRI by the Accept header with a 303 to one of the
three. Links between pages are relative, so the site works under any host and path.

Safety: every string from the data reaches HTML only through Jinja2 autoescaping (the highlighted
text is a tree of plain strings rendered by a template, never markup built in Python), URLs from the
data become links only when they are http(s), and each page forbids inline script by its CSP.

Determinism: everything is sorted before it is written and nothing depends on the clock, so the
same dataset gives the same bytes.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from rdflib.term import Node as RdfNode

from kg import __version__
from kg.errors import InputError
from kg.export import locked, staged_folder

# --- vocabulary (IRIs as strings: the site reads pyoxigraph terms, not rdflib) -------------------
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
KGNS = "https://w3id.org/kg-archive/ns#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
OWL_SAMEAS = "http://www.w3.org/2002/07/owl#sameAs"
LA_EQUIVALENT = "https://linked.art/ns/terms/equivalent"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
PROV_ATTRIBUTED = "http://www.w3.org/ns/prov#wasAttributedTo"
OA = "http://www.w3.org/ns/oa#"
WIKIDATA_ENTITY = re.compile(r"^https?://www\.wikidata\.org/entity/(Q[0-9]+)$")

SITE_MARKER = "kg-site.json"  # written into every site; `kg serve` reads the base from it

# Kinds of entity page, by the first IRI path segment (mapping.ENTITY_PATH's values).
ENTITY_KINDS: dict[str, tuple[str, str, str]] = {
    # segment: (class IRI, singular, plural)
    "person": (CRM + "E21_Person", "Person", "Persons"),
    "place": (CRM + "E53_Place", "Place", "Places"),
    "group": (CRM + "E74_Group", "Organisation", "Organisations"),
}
RESOURCE_ROOTS = ("document", *ENTITY_KINDS)  # IRI path segments that get pages and negotiation

ROLE_LABELS = {
    KGNS + "RoleSender": "sender",
    KGNS + "RoleAddressee": "addressee",
    KGNS + "RoleCopyRecipient": "copy",
    KGNS + "RoleIntermediary": "via",
}
ACTIVITY_LABELS = {KGNS + "Dispatch": "Sent", KGNS + "Receipt": "Received"}
IDENTIFIER_LABELS = {
    KGNS + "TelegramNumber": "Telegram number",
    KGNS + "OutgoingNumber": "Outgoing number",
    KGNS + "RecordID": "Archive record ID",
    KGNS + "ReferenceNumber": "Reference number",
}
# What an entity did in a document, in the order the entity page lists them.
ROLE_PREDICATES: dict[str, str] = {
    KGNS + "sender": "sent",
    KGNS + "addressee": "received",
    KGNS + "copyRecipient": "copied",
    KGNS + "intermediary": "via",
    KGNS + "sentFrom": "sent from",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass(frozen=True)
class Representation:
    """One form a resource is served in: its media type, the types that ask for it, its file."""

    media_type: str
    accepts: tuple[str, ...]
    suffix: str  # appended to the resource path: "/" (the folder's index.html) or a file extension


# One registry drives kg serve's negotiation, the nginx and Apache snippets and the <link> tags.
REPRESENTATIONS: dict[str, Representation] = {
    "html": Representation("text/html", ("text/html", "application/xhtml+xml"), "/"),
    "turtle": Representation("text/turtle", ("text/turtle", "application/x-turtle"), ".ttl"),
    "jsonld": Representation("application/ld+json", ("application/ld+json",), ".jsonld"),
}
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".ttl": "text/turtle; charset=utf-8",
               ".jsonld": "application/ld+json", ".json": "application/json",
               ".nq": "application/n-quads", ".trig": "application/trig",
               ".svg": "image/svg+xml", ".css": "text/css; charset=utf-8",
               ".js": "text/javascript; charset=utf-8", ".txt": "text/plain; charset=utf-8",
               ".conf": "text/plain; charset=utf-8", ".htaccess": "text/plain; charset=utf-8"}


def negotiate(accept: str | None) -> str | None:
    """The representation (REPRESENTATIONS key) an Accept header prefers; None if none fits.

    Follows RFC 9110: the highest q wins, a specific type beats a wildcard at equal q, and among
    equals HTML (the registry's first) wins, so browsers and `*/*` get pages.
    """
    if not accept or not accept.strip():
        return "html"
    best: tuple[float, int, int] | None = None
    choice: str | None = None
    for order, (name, rep) in enumerate(REPRESENTATIONS.items()):
        for part in accept.split(","):
            media, _, params = part.strip().partition(";")
            media = media.strip().lower()
            q = 1.0
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key.strip().lower() == "q":
                    try:
                        q = float(value)
                    except ValueError:
                        q = 0.0
            if media in rep.accepts:
                specificity = 2
            elif media == "*/*" or (media.endswith("/*") and any(
                    a.startswith(media[:-1]) for a in rep.accepts)):
                specificity = 0 if media == "*/*" else 1
            else:
                continue
            if q <= 0:
                continue
            rank = (q, specificity, -order)
            if best is None or rank > best:
                best, choice = rank, name
    return choice


# --- reading the dataset ----------------------------------------------------------------------

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _value(term: object) -> str:
    """The IRI or lexical form of a term (views hold no RDF-star triples, see _View)."""
    assert isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)), term
    return term.value


class _View:
    """One named graph indexed both ways, so a page is built without a query per fact."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.out: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.inv: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.triples: list[ox.Triple] = []
        for t in triples:
            s, p, o = t.subject, t.predicate, t.object
            if isinstance(s, ox.Triple) or isinstance(o, ox.Triple):
                continue  # RDF-star: kg never writes it, and no page shows it
            self.triples.append(t)
            self.out[s.value][p.value].append(o)
            if not isinstance(o, ox.Literal):
                self.inv[(p.value, o.value)].append(s.value)
        for preds in self.out.values():
            for objs in preds.values():
                objs.sort(key=str)
        for subjects in self.inv.values():
            subjects.sort()

    def objects(self, s: str, p: str) -> list[Term]:
        return self.out.get(s, {}).get(p, [])

    def values(self, s: str, p: str) -> list[str]:
        return [o.value for o in self.objects(s, p)]

    def value(self, s: str, p: str) -> str | None:
        objs = self.objects(s, p)
        return objs[0].value if objs else None

    def subjects(self, p: str, o: str) -> list[str]:
        return self.inv.get((p, o), [])

    def has_type(self, s: str, cls: str) -> bool:
        return cls in self.values(s, RDF_TYPE)


@dataclass(frozen=True, order=True)
class Ref:
    """A link to a resource as a page shows it: label, relative site path (None: no page), kind."""

    label: str
    path: str | None
    kind: str = ""
    iri: str = ""


@dataclass
class Event:
    label: str
    when: str | None = None
    as_written: str | None = None
    places: list[Ref] = field(default_factory=list)
    actors: list[tuple[Ref, str, int | None]] = field(default_factory=list)  # (who, role, copies)


@dataclass
class Message:
    """A document or a relayed message, ready for a template."""

    iri: str
    path: str | None
    title: str
    date: str | None  # ISO lexical form (sortable); None when undated
    genre: str | None
    senders: list[Ref]
    addressees: list[Ref]
    copies: list[Ref]
    intermediaries: list[Ref]
    sent_from: list[Ref]
    events: list[Event]
    identifiers: list[tuple[str, str, str | None]]
    references: list[tuple[Ref, str | None, list[Ref], list[Ref]]]
    relayed: list[Message] = field(default_factory=list)
    span: tuple[int, int] | None = None  # where its text lies in the document's text
    parent: Ref | None = None
    anchor: str = ""  # its id on the document page, e.g. "relayed-1"


@dataclass
class Appearance:
    """What one entity did or was in one document (one row on its page)."""

    document: Ref
    date: str | None
    roles: list[str] = field(default_factory=list)
    relayed: list[tuple[Ref, str]] = field(default_factory=list)
    mentions: int = 0


@dataclass
class EntityRecord:
    iri: str
    path: str | None
    kind: str
    labels: set[str] = field(default_factory=set)
    alt_labels: set[str] = field(default_factory=set)
    code_names: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    equivalents: set[str] = field(default_factory=set)
    comments: set[str] = field(default_factory=set)
    triples: set[ox.Triple] = field(default_factory=set)
    appearances: dict[str, Appearance] = field(default_factory=dict)
    correspondents: Counter[tuple[str, Ref]] = field(default_factory=Counter)

    @property
    def label(self) -> str:
        return sorted(self.labels)[0] if self.labels else self.iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SiteReport:
    site: Path
    base: str
    documents: int
    entities: int
    pages: int
    files: int
    skipped_mentions: int
    unlinked_iris: tuple[str, ...]


def site_path(iri: str, base: str) -> str | None:
    """The site path (IRI path under the base, still percent-encoded) of a resource with a page.

    None when the IRI is outside the base, not under a page-bearing root, or would decode to a
    path that is unsafe on disk ('..', a slash inside a segment, control characters).
    """
    if not iri.startswith(base):
        return None
    rel = iri[len(base):]
    segments = rel.split("/")
    if len(segments) < 2 or segments[0] not in RESOURCE_ROOTS:
        return None
    for seg in segments:
        decoded = unquote(seg)
        if (not seg or decoded in (".", "..") or "/" in decoded or "\\" in decoded
                or any(ord(c) < 32 for c in decoded) or not re.fullmatch(r"[A-Za-z0-9._~%-]+", seg)):
            return None
    return rel


def disk_path(rel: str) -> Path:
    """The file-system path of a site path: servers percent-decode URL paths before lookup."""
    return Path(*[unquote(seg) for seg in rel.split("/")])


def infer_base(store: ox.Store) -> list[str]:
    """The bases of the archive records in a store (normally exactly one)."""
    bases = set()
    for quad in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE),
                                        ox.NamedNode(KGNS + "ArchiveRecord")):
        m = re.match(r"^(.*/)document/[^/]+$", quad.subject.value) \
            if isinstance(quad.subject, ox.NamedNode) else None
        if m:
            bases.add(m[1])
    return sorted(bases)


def load_store(out: Path) -> ox.Store:
    nq = out / "dataset.nq" if out.is_dir() else out
    if not nq.is_file():
        raise InputError("no dataset.nq found", path=str(out),
                         hint="run `kg build SOURCES -o OUT` first, then `kg site OUT`")
    store = ox.Store()
    try:
        store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"cannot read N-Quads: {exc}", path=str(nq),
                         hint="rebuild the dataset with `kg build`") from exc
    return store


def resolve_base(store: ox.Store, base: str | None, where: str) -> str:
    found = infer_base(store)
    if not found:
        raise InputError("the dataset holds no archive records (kg:ArchiveRecord)", path=where,
                         hint="build some documents with `kg build` first")
    if base is None:
        if len(found) > 1:
            raise InputError(f"the dataset mixes IRI bases {', '.join(found)}", path=where,
                             hint="pass --base to choose one")
        return found[0]
    if not base.endswith(("/", "#")):
        base += "/"
    if base not in found:
        raise InputError(f"--base {base} does not match the dataset's base {', '.join(found)}",
                         path=where, hint="omit --base to use the dataset's own, or rebuild with "
                                          f"`kg build --base {base}`")
    return base


# --- dates --------------------------------------------------------------------------------------

def date_label(value: str | None) -> str | None:
    """'1951-08-13' -> '13 August 1951'; '1967-11' -> 'November 1967'; other text unchanged."""
    if not value:
        return None
    m = re.fullmatch(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not m:
        return value
    year, month, day = m[1], m[2], m[3]
    if month and 1 <= int(month) <= 12:
        name = MONTHS[int(month) - 1]
        return f"{int(day)} {name} {year}" if day else f"{name} {year}"
    return year


def span_label(begin: str | None, end: str | None) -> str | None:
    """A time-span as a person reads it: the minute, day, month or year it covers, or a range."""
    if not begin:
        return None
    b_date, _, b_time = begin.partition("T")
    e_date, _, e_time = (end or begin).partition("T")
    if b_date == e_date:
        if b_time.startswith("00:00:00") and e_time.startswith("23:59:59") or not b_time:
            return date_label(b_date)
        if b_time[:5] == e_time[:5]:
            return f"{date_label(b_date)}, {b_time[:5]}"
        return f"{date_label(b_date)}, {b_time[:5]}–{e_time[:5]}"
    if b_date.endswith("-01-01") and e_date.endswith("-12-31") and b_date[:4] == e_date[:4]:
        return b_date[:4]
    if b_date.endswith("-01") and b_date[:7] == e_date[:7]:
        return date_label(b_date[:7])
    return f"{date_label(b_date)} – {date_label(e_date)}"


def _year_fraction(value: str) -> float | None:
    """A date as a fractional year (mid-month or mid-year when less precise), for the timeline."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not m:
        return None
    if not m[2]:
        return int(m[1]) + 0.5
    return int(m[1]) + (int(m[2]) - 1) / 12 + (int(m[3] or 15) - 1) / 366


def _sort_date(value: str | None) -> str:
    return value or "9999"


def _http(url: str | None) -> str | None:
    """A URL from the data, only if it is safe to put in an href (http or https)."""
    return url if url and re.match(r"^https?://[^\s\"'<>]+$", url) else None


# --- reading documents --------------------------------------------------------------------------

@dataclass
class Piece:
    """A piece of highlighted text: plain text, a mention, or a nested relayed message."""

    kind: str  # "text" | "mention" | "relayed"
    text: str = ""
    ref: Ref | None = None
    message: Message | None = None
    children: list[Piece] = field(default_factory=list)


@dataclass
class DocumentPage:
    message: Message
    key: str
    text: str
    tree: list[Piece]
    abstract: str | None
    complete: bool
    metadata: list[tuple[str, list[str]]]
    source_url: str | None
    rights: str | None
    provenance: list[tuple[str, str]]
    identifications: list[tuple[str, Ref, str | None]]
    mentions: list[tuple[int, int, Ref]]
    skipped_mentions: int


class _Reader:
    """Turn one document's named graph into page models, and note where entities appear."""

    def __init__(self, base: str, entities: dict[str, EntityRecord]) -> None:
        self.base = base
        self.entities = entities
        self.unlinked: set[str] = set()
        self.names: dict[str, str] = {}  # appellation IRI -> the name (graph/entities has most)

    # entities ---------------------------------------------------------------------------------
    def entity_kind(self, iri: str) -> str | None:
        if not iri.startswith(self.base):
            return None
        seg = iri[len(self.base):].split("/", 1)[0]
        return seg if seg in ENTITY_KINDS else None

    def ref(self, view: _View, iri: str) -> Ref:
        kind = self.entity_kind(iri) or ""
        label = view.value(iri, RDFS_LABEL) or view.value(iri, DCT + "title")
        if label is None and iri in self.entities:
            label = self.entities[iri].label
        path = site_path(iri, self.base)
        if path is None:
            self.unlinked.add(iri)
        return Ref(label or unquote(iri.rsplit("/", 1)[-1]), path, kind, iri)

    def refs(self, view: _View, s: str, p: str) -> list[Ref]:
        return sorted((self.ref(view, o) for o in view.values(s, p)), key=lambda r: r.label)

    def collect_entities(self, view: _View) -> None:
        roots = tuple(self.base + seg + "/" for seg in ENTITY_KINDS)
        for t in view.triples:
            s, p, o = t.subject, t.predicate, t.object
            if isinstance(s, ox.Triple) or isinstance(o, ox.Triple) or not s.value.startswith(roots):
                continue
            rest = s.value[len(self.base):]
            seg, _, tail = rest.partition("/")
            iri = self.base + seg + "/" + tail.split("/", 1)[0]
            record = self.entity(iri, seg)
            record.triples.add(t)
            if s.value != iri:
                if p.value == CRM + "P190_has_symbolic_content":
                    self.names[s.value] = o.value
                continue
            if p.value == RDFS_LABEL:
                record.labels.add(o.value)
            elif p.value == SKOS_ALT:
                record.alt_labels.add(o.value)
            elif p.value in (LA_EQUIVALENT, OWL_SAMEAS):
                record.equivalents.add(o.value)
            elif p.value == RDFS_COMMENT:
                record.comments.add(o.value)
            elif p.value == CRM + "P1_is_identified_by":
                name = view.value(o.value, CRM + "P190_has_symbolic_content")
                if name is not None:
                    if KGNS + "CodeName" in view.values(o.value, CRM + "P2_has_type"):
                        record.code_names.add(name)
                    else:
                        record.names.add(name)

    def entity(self, iri: str, kind: str) -> EntityRecord:
        if iri not in self.entities:
            self.entities[iri] = EntityRecord(iri, site_path(iri, self.base), kind)
        return self.entities[iri]

    # documents --------------------------------------------------------------------------------
    def message(self, view: _View, iri: str, *, parent: Ref | None, title: str) -> Message:
        ids = []
        for ident in view.values(iri, CRM + "P1_is_identified_by"):
            value = view.value(ident, CRM + "P190_has_symbolic_content")
            if value is None:
                continue
            types = view.values(ident, CRM + "P2_has_type")
            label = next((IDENTIFIER_LABELS[t] for t in types if t in IDENTIFIER_LABELS), "Identifier")
            ids.append((label, value, view.value(ident, KGNS + "asWritten")))
        references = []
        for r in view.values(iri, KGNS + "refersToMessage"):
            label = view.value(r, RDFS_LABEL) or "an earlier message"
            ref = Ref(label, None, "message")
            references.append((ref, date_label(view.value(r, DCT + "date")),
                               self.refs(view, r, KGNS + "sender"), self.refs(view, r, KGNS + "addressee")))
        msg = Message(
            iri=iri, path=site_path(iri, self.base), title=title,
            date=view.value(iri, DCT + "date"), genre=view.value(iri, KGNS + "genre"),
            senders=self.refs(view, iri, KGNS + "sender"),
            addressees=self.refs(view, iri, KGNS + "addressee"),
            copies=self.refs(view, iri, KGNS + "copyRecipient"),
            intermediaries=self.refs(view, iri, KGNS + "intermediary"),
            sent_from=self.refs(view, iri, KGNS + "sentFrom"),
            events=self.events(view, iri), identifiers=sorted(ids), references=references,
            parent=parent)
        return msg

    def events(self, view: _View, iri: str) -> list[Event]:
        events = []
        for creation in view.values(iri, CRM + "P94i_was_created_by"):
            events.append(self.event(view, creation, "Written"))
        activities = []
        for act in view.subjects(CRM + "P16_used_specific_object", iri):
            kinds = [ACTIVITY_LABELS[t] for t in view.values(act, CRM + "P2_has_type") if t in ACTIVITY_LABELS]
            if kinds:
                activities.append((list(ACTIVITY_LABELS.values()).index(kinds[0]), act, kinds[0]))
        for _, act, label in sorted(activities):
            events.append(self.event(view, act, label))
        return events

    def event(self, view: _View, node: str, label: str) -> Event:
        ev = Event(label)
        span = view.value(node, CRM + "P4_has_time-span")
        if span:
            ev.when = span_label(view.value(span, CRM + "P82a_begin_of_the_begin"),
                                 view.value(span, CRM + "P82b_end_of_the_end"))
            ev.as_written = view.value(span, KGNS + "asWritten")
        ev.places = self.refs(view, node, CRM + "P7_took_place_at")
        roles = []
        seen = set()
        for role in view.subjects(CRM + "P01_has_domain", node):
            who = view.value(role, CRM + "P02_has_range")
            if who is None:
                continue
            kind = next((ROLE_LABELS[r] for r in view.values(role, CRM + "P14.1_in_the_role_of")
                         if r in ROLE_LABELS), "")
            count = view.value(role, KGNS + "copyCount")
            roles.append((_trailing_number(role), self.ref(view, who), kind,
                          int(count) if count and count.isdigit() else None))
            seen.add(who)
        ev.actors = [(r, k, c) for _, r, k, c in sorted(roles, key=lambda t: (t[0], t[1].label))]
        for who in view.values(node, CRM + "P14_carried_out_by"):
            if who not in seen:
                ev.actors.append((self.ref(view, who), "", None))
        return ev

    def document(self, view: _View, iri: str) -> DocumentPage:
        key = unquote(iri.rsplit("/", 1)[-1])
        title = view.value(iri, DCT + "title") or key
        msg = self.message(view, iri, parent=None, title=title)
        doc_ref = Ref(title, msg.path, "document")
        text = view.value(iri, CRM + "P190_has_symbolic_content") or ""
        msg.relayed = self.relayed(view, iri, doc_ref, text, 0)
        mentions = self.mentions(view, iri, text)
        tree, skipped = _segment(text, 0, len(text), msg.relayed, mentions)
        graph_iri = next(iter(view.subjects(DCT + "subject", iri)), None)
        provenance: list[tuple[str, str]] = []
        if graph_iri:
            for label, pred in (("Source file", KGNS + "sourceFile"), ("CSV row", KGNS + "sourceRow"),
                                ("SHA-256 of the source", KGNS + "sha256"),
                                ("Built by", PROV_ATTRIBUTED)):
                for value in view.values(graph_iri, pred):
                    provenance.append((label, value))
        urls = [o.value for o in view.objects(iri, DCT + "source") if isinstance(o, ox.NamedNode)]
        if graph_iri:
            urls += view.values(graph_iri, PROV_DERIVED)
        source_url = next((u for u in sorted(set(urls)) if _http(u)), None)
        metadata: list[tuple[str, list[str]]] = []
        for label, pred in (("Type", DCT + "type"), ("Language", DCT + "language"),
                            ("Topics", DCT + "subject"), ("Original archive", DCT + "isPartOf")):
            values = [o.value for o in view.objects(iri, pred) if isinstance(o, ox.Literal)]
            if values:
                metadata.append((label, values))
        citation = [o.value for o in view.objects(iri, DCT + "source") if isinstance(o, ox.Literal)]
        if citation:
            metadata.append(("Source", citation))
        identifications = []
        for node in view.subjects(DCT + "source", iri):
            if KGNS + "EditorialIdentification" not in view.values(node, CRM + "P2_has_type"):
                continue
            appellation = view.value(node, CRM + "P140_assigned_attribute_to")
            who = view.value(node, CRM + "P141_assigned")
            name = (view.value(appellation, CRM + "P190_has_symbolic_content")
                    or self.names.get(appellation)) if appellation else None
            if name and who:
                identifications.append((name, self.ref(view, who), view.value(node, CRM + "P3_has_note")))
        self.note_appearances(view, msg, doc_ref, mentions)
        return DocumentPage(
            message=msg, key=key, text=text, tree=tree,
            abstract=view.value(iri, DCT + "abstract"),
            complete=view.value(iri, KGNS + "complete") != "false",
            metadata=metadata, source_url=source_url, rights=view.value(iri, DCT + "rights"),
            provenance=provenance, identifications=sorted(set(identifications)),
            mentions=mentions, skipped_mentions=skipped)

    def relayed(self, view: _View, iri: str, parent: Ref, text: str, offset: int) -> list[Message]:
        found = []
        cursor = offset
        for r in sorted(view.values(iri, KGNS + "relays"), key=_trailing_number):
            label = view.value(r, RDFS_LABEL) or "Relayed message"
            msg = self.message(view, r, parent=parent, title=label)
            msg.anchor = re.sub(r"[^A-Za-z0-9_-]", "-", unquote(r[len(iri) + 1:]) if r.startswith(iri + "/")
                                else r.rsplit("/", 1)[-1])
            rtext = view.value(r, CRM + "P190_has_symbolic_content") or ""
            at = text.find(rtext, cursor) if rtext else -1
            if at < 0 and rtext:
                at = text.find(rtext, offset)
            if at >= 0 and rtext:
                msg.span = (at, at + len(rtext))
                cursor = at + len(rtext)
            msg.relayed = self.relayed(view, r, parent, text, msg.span[0] if msg.span else offset)
            found.append(msg)
        return found

    def mentions(self, view: _View, doc: str, text: str) -> list[tuple[int, int, Ref]]:
        found = []
        for target in view.subjects(OA + "hasSource", doc):
            for ann in view.subjects(OA + "hasTarget", target):
                body = view.value(ann, OA + "hasBody")
                if body is None:
                    continue
                for sel in view.values(target, OA + "hasSelector"):
                    start, end = view.value(sel, OA + "start"), view.value(sel, OA + "end")
                    if start is None or end is None:
                        continue
                    a, b = int(start), int(end)
                    if 0 <= a < b <= len(text):
                        found.append((a, b, self.ref(view, body)))
        return sorted(set(found), key=lambda t: (t[0], -t[1], t[2].label))

    def note_appearances(self, view: _View, msg: Message, doc_ref: Ref,
                         mentions: list[tuple[int, int, Ref]]) -> None:
        doc_iri = msg.iri

        def appearance(entity_iri: str) -> Appearance | None:
            kind = self.entity_kind(entity_iri)
            if kind is None:
                return None
            record = self.entity(entity_iri, kind)
            if doc_iri not in record.appearances:
                record.appearances[doc_iri] = Appearance(doc_ref, msg.date)
            return record.appearances[doc_iri]

        for pred, role in ROLE_PREDICATES.items():
            for who in view.values(doc_iri, pred):
                app = appearance(who)
                if app is not None and role not in app.roles:
                    app.roles.append(role)
                    self.entity(who, self.entity_kind(who) or "").triples.add(
                        ox.Triple(ox.NamedNode(doc_iri), ox.NamedNode(pred), ox.NamedNode(who)))

        def relayed(messages: list[Message]) -> None:
            for r in messages:
                ref = Ref(r.title, r.path, "document")
                for pred, role in ROLE_PREDICATES.items():
                    for who in view.values(r.iri, pred):
                        app = appearance(who)
                        if app is not None and (ref, role) not in app.relayed:
                            app.relayed.append((ref, role))
                relayed(r.relayed)

        relayed(msg.relayed)
        for who in view.values(doc_iri, KGNS + "mentions"):
            appearance(who)
        for _, _, ref in mentions:
            app = appearance(ref.iri)
            if app is not None:
                app.mentions += 1


def _trailing_number(iri: str) -> tuple[int, str]:
    m = re.search(r"(\d+)$", iri)
    return (int(m[1]) if m else 0, iri)


def _segment(text: str, start: int, end: int, blocks: list[Message],
             mentions: list[tuple[int, int, Ref]]) -> tuple[list[Piece], int]:
    """Split text[start:end] into text, mention and relayed-message nodes.

    Mentions that overlap an earlier, longer one or cross a relayed message's edge are left out
    (and counted), so each character is shown once.
    """
    nodes: list[Piece] = []
    skipped = 0
    pos = start
    inner = sorted((b for b in blocks if b.span and start <= b.span[0] and b.span[1] <= end),
                   key=lambda b: b.span or (0, 0))
    placed: list[Message] = []
    for b in inner:
        assert b.span is not None
        if placed and placed[-1].span and b.span[0] < placed[-1].span[1]:
            continue
        placed.append(b)

    def plain(a: int, z: int) -> None:
        nonlocal skipped
        cursor = a
        for m_start, m_end, ref in mentions:
            if m_start < a or m_end > z:
                continue
            if m_start < cursor:
                skipped += 1
                continue
            if m_start > cursor:
                nodes.append(Piece("text", text[cursor:m_start]))
            nodes.append(Piece("mention", text[m_start:m_end], ref))
            cursor = m_end
        if cursor < z:
            nodes.append(Piece("text", text[cursor:z]))

    for b in placed:
        assert b.span is not None
        plain(pos, b.span[0])
        children, inner_skipped = _segment(text, b.span[0], b.span[1], b.relayed, mentions)
        skipped += inner_skipped
        nodes.append(Piece("relayed", message=b, children=children))
        pos = b.span[1]
    plain(pos, end)
    edges = [b.span for b in placed if b.span]
    skipped += sum(1 for a, z, _ in mentions if start <= a < end and any(
        a < s < z or a < e < z for s, e in edges))
    return nodes, skipped


# --- pictures -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    x: float
    y: float


def network_picture(messages: list[Message]) -> dict[str, object]:
    """Who wrote to whom, laid out on a circle; edge weight = number of messages.

    A circle is deterministic and stays legible as the archive grows. Each correspondent sits
    beside the one it exchanged most messages with (clusters around the busiest), so most lines
    are short and the hubs' lines do not all cross the middle.
    """
    weights: Counter[tuple[Ref, Ref]] = Counter()
    for msg in messages:
        for s in msg.senders:
            for a in msg.addressees:
                if s.iri != a.iri:
                    weights[(s, a)] += 1
    degree: Counter[Ref] = Counter()
    between: Counter[tuple[Ref, Ref]] = Counter()
    for (s, a), w in weights.items():
        degree[s] += w
        degree[a] += w
        between[(s, a)] += w
        between[(a, s)] += w
    order = sorted(degree, key=lambda r: (-degree[r], r.label, r.iri))
    rank = {r: i for i, r in enumerate(order)}
    strongest = {r: min((m for (x, m) in between if x == r),
                        key=lambda m: (-between[(r, m)], rank[m])) for r in order}
    nodes: list[Ref] = []
    placed: set[Ref] = set()
    for head in order:
        if head in placed:
            continue
        cluster = [head]
        members = [m for m in order if m not in placed and m != head and strongest[m] == head]
        for i, m in enumerate(members):
            if i % 2:
                cluster.insert(0, m)
            else:
                cluster.append(m)
        nodes.extend(cluster)
        placed.update(cluster)
    n = len(nodes)
    size = max(640, min(1700, 520 + 26 * n))
    cx = cy = size / 2
    radius = size / 2 - 250
    first = nodes.index(order[0]) if order else 0  # the busiest correspondent at the top
    pos: dict[Ref, Point] = {}
    angles: dict[Ref, float] = {}
    for i, ref in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * (i - first) / max(n, 1)
        angles[ref] = angle
        pos[ref] = Point(cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    top = max(weights.values(), default=1)
    edges = []
    for (s, a), w in sorted(weights.items(), key=lambda kv: (kv[0][0].label, kv[0][1].label, kv[0][0].iri)):
        p, q = pos[s], pos[a]
        # bend each direction to its own side, so A->B and B->A do not overlap
        mx, my = (p.x + q.x) / 2, (p.y + q.y) / 2
        dx, dy = q.x - p.x, q.y - p.y
        length = math.hypot(dx, dy) or 1
        bend = 0.15 * length
        c = Point(mx - dy / length * bend, my + dx / length * bend)
        # stop the line at the target circle's edge, where the arrowhead goes
        gap = _node_radius(degree[a]) + 1.5
        tx, ty = q.x - c.x, q.y - c.y
        tl = math.hypot(tx, ty) or 1
        end = Point(q.x - tx / tl * gap, q.y - ty / tl * gap)
        mid = Point(0.25 * p.x + 0.5 * c.x + 0.25 * q.x, 0.25 * p.y + 0.5 * c.y + 0.25 * q.y)
        edges.append({
            "source": s, "target": a, "weight": w,
            "d": f"M{p.x:.1f},{p.y:.1f} Q{c.x:.1f},{c.y:.1f} {end.x:.1f},{end.y:.1f}",
            "width": f"{1 + 5 * math.sqrt(w / top):.2f}", "lx": f"{mid.x:.1f}", "ly": f"{mid.y + 4:.1f}",
        })
    drawn = []
    for ref in nodes:
        p, angle, r = pos[ref], angles[ref], _node_radius(degree[ref])
        cos, sin = math.cos(angle), math.sin(angle)
        anchor = "start" if cos > 0.12 else "end" if cos < -0.12 else "middle"
        lx = p.x + cos * (r + 6)
        ly = p.y + sin * (r + 6) + (4 if anchor != "middle" else 12 if sin > 0 else -4)
        label = ref.label if len(ref.label) <= 32 else ref.label[:31] + "…"
        drawn.append({"ref": ref, "x": f"{p.x:.1f}", "y": f"{p.y:.1f}", "r": f"{r:.1f}",
                      "degree": degree[ref], "lx": f"{lx:.1f}", "ly": f"{ly:.1f}", "anchor": anchor,
                      "label": label})
    return {"size": size, "nodes": drawn, "edges": edges, "messages": len(
        [m for m in messages if any(s.iri != a.iri for s in m.senders for a in m.addressees)])}


def _node_radius(degree: int) -> float:
    return 4 + 2.2 * math.sqrt(degree)


TIMELINE_DOTS = 40  # above this many stacked dots, the timeline draws a bar per year instead


def timeline_picture(documents: list[Message]) -> dict[str, object]:
    """Documents along a time axis: a dot per document linking to its page, stacked where they
    would overlap; when the stacks grow too tall (a large archive), one bar per year instead."""
    dated = [(d, f) for d in documents if d.date and (f := _year_fraction(d.date)) is not None]
    if not dated:
        return {"width": 0, "height": 0, "dots": [], "bars": [], "ticks": [], "count": 0}
    first = math.floor(min(f for _, f in dated))
    last = math.floor(max(f for _, f in dated)) + 1
    years = max(last - first, 1)
    width, left, right, step = 960, 30, 30, 11
    scale = (width - left - right) / years
    gap = 10.0
    level_ends: list[float] = []
    dots: list[tuple[Message, float, int]] = []
    for doc, f in sorted(dated, key=lambda t: (t[1], t[0].title, t[0].iri)):
        x = left + (f - first) * scale
        level = next((i for i, end in enumerate(level_ends) if x - end >= gap), len(level_ends))
        if level == len(level_ends):
            level_ends.append(x)
        level_ends[level] = x
        dots.append((doc, x, level + 1))
    bars: list[dict[str, object]] = []
    if len(level_ends) > TIMELINE_DOTS:
        per_year = Counter(math.floor(f) for _, f in dated)
        top = max(per_year.values())
        tallest = TIMELINE_DOTS
        for year, count in sorted(per_year.items()):
            h = step * TIMELINE_DOTS * count / top
            bars.append({"year": year, "count": count, "x": f"{left + (year - first) * scale + 1:.1f}",
                         "w": f"{max(scale - 2, 1):.1f}", "h": f"{h:.1f}"})
        dots = []
    else:
        tallest = len(level_ends)
    height = 70 + step * tallest
    base_y = height - 40
    for bar in bars:
        bar["y"] = f"{base_y - float(str(bar['h'])):.1f}"
    tick_every = 1 if years <= 16 else 2 if years <= 32 else 5 if years <= 80 else 10
    ticks = [{"x": f"{left + (y - first) * scale:.1f}", "year": y}
             for y in range(first, last + 1) if y % tick_every == 0]
    return {
        "width": width, "height": height, "axis_y": f"{base_y:.1f}", "left": left,
        "right": f"{width - right:.1f}", "count": len(dated), "ticks": ticks, "bars": bars,
        "dots": [{"doc": doc, "x": f"{x:.1f}", "y": f"{base_y - 8 - step * (level - 1):.1f}"}
                 for doc, x, level in dots],
        "label_y": f"{base_y + 18:.1f}",
    }


# --- rendering ----------------------------------------------------------------------------------

class _ResourceLoader(BaseLoader):
    """Load templates shipped in the wheel (templates/ in a checkout) through kg.resources."""

    def get_source(self, environment: Environment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        from kg.resources import resource
        try:
            node = resource("templates", template)
        except FileNotFoundError as exc:
            raise TemplateNotFound(template) from exc
        return node.read_text(encoding="utf-8"), None, lambda: True


def environment() -> Environment:
    """Jinja2 with autoescaping for HTML and SVG; server snippets are plain text."""
    env = Environment(
        loader=_ResourceLoader(),
        autoescape=lambda name: (name or "").rsplit(".", 1)[-1] in ("html", "svg", "xml"),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["date"] = date_label
    env.filters["regex"] = re.escape
    env.globals["version"] = __version__
    return env


def _jsonld_bytes(triples: Iterable[ox.Triple]) -> bytes:
    from rdflib import Graph

    from kg.export import jsonld
    g = Graph()
    for t in triples:
        g.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    return jsonld(g)


def _turtle_bytes(triples: Iterable[ox.Triple]) -> bytes:
    from kg.vocab import PREFIXES
    return ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


def _to_rdflib(term: object) -> RdfNode:
    """A pyoxigraph term as rdflib's, failing loudly on anything else (RDF-star triples)."""
    from rdflib import BNode, Literal, URIRef
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"cannot convert RDF term {term!r}")


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = 0

    def write(self, rel: Path | str, data: bytes | str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.files += 1


def _alternates(path: str) -> list[tuple[str, str]]:
    """(media type, href relative to the page folder) for each non-HTML representation."""
    leaf = path.rsplit("/", 1)[-1]
    return [(rep.media_type, f"../{leaf}{rep.suffix}") for name, rep in REPRESENTATIONS.items()
            if name != "html"]


def build_site(out: Path, site: Path, *, base: str | None = None,
               title: str = "Archival documents as linked data") -> SiteReport:
    """Write the static site for the dataset in `out` into `site` (replaced whole, under a lock)."""
    store = load_store(out)
    base = resolve_base(store, base, str(out))
    if site.exists() and not site.is_dir():
        raise InputError("exists and is not a folder", path=str(site), hint="choose another -o")
    if site.is_dir() and any(site.iterdir()) and not (site / SITE_MARKER).is_file():
        raise InputError(f"is not empty and holds no {SITE_MARKER}, so it is not a kg site that "
                         "may be replaced", path=str(site), hint="choose a new or empty -o folder")
    out_dir = out if out.is_dir() else out.parent
    with locked(site), staged_folder(site) as stage:
        report = _write_site(store, out_dir, stage, base, title)
    return SiteReport(site, base, *report)


def _write_site(store: ox.Store, out: Path, stage: Path, base: str, title: str
                ) -> tuple[int, int, int, int, int, tuple[str, ...]]:
    env = environment()
    env.globals["site_title"] = title
    env.globals["dumps"] = [n for n in DUMPS if (out / n).is_file()] + _descriptions(out)
    w = _Writer(stage)
    entities: dict[str, EntityRecord] = {}
    reader = _Reader(base, entities)
    documents: list[Message] = []
    all_messages: list[Message] = []
    pages = 0
    skipped = 0
    links_graph = ox.NamedNode(base + "graph/links")
    entities_graph = ox.NamedNode(base + "graph/entities")
    # graph/entities first: the documents' pages show the labels it gives
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)),
                    key=lambda g: (g != entities_graph, str(g)))
    for graph in graphs:
        view = _View(q.triple for q in store.quads_for_pattern(None, None, None, graph))
        if graph == links_graph:
            for t in view.triples:
                kind = reader.entity_kind(_value(t.subject))
                if kind is not None:
                    rec = reader.entity(_value(t.subject), kind)
                    rec.triples.add(t)
                    if t.predicate.value == OWL_SAMEAS:
                        rec.equivalents.add(_value(t.object))
            continue
        reader.collect_entities(view)
        for iri in view.subjects(RDF_TYPE, KGNS + "ArchiveRecord"):
            page = reader.document(view, iri)
            if page.message.path is None:
                continue
            documents.append(page.message)
            all_messages.append(page.message)
            stack = list(page.message.relayed)
            while stack:
                r = stack.pop()
                all_messages.append(r)
                stack.extend(r.relayed)
            skipped += page.skipped_mentions
            pages += _write_document(env, w, out, view, page)
    documents.sort(key=lambda m: (_sort_date(m.date), m.title, m.iri))
    for msg in all_messages:
        for sender in msg.senders:
            for addressee in msg.addressees:
                if sender.iri in entities:
                    entities[sender.iri].correspondents[("wrote to", addressee)] += 1
                if addressee.iri in entities:
                    entities[addressee.iri].correspondents[("received from", sender)] += 1
    visible = {iri: e for iri, e in entities.items() if e.path is not None and e.kind in ENTITY_KINDS}
    for record in visible.values():
        pages += _write_entity(env, w, record)
    pages += _write_overview(env, w, title, base, documents, all_messages, visible)
    _write_dumps(w, out, store, base, title, len(documents), len(visible))
    _write_server_config(env, w, base)
    w.write(SITE_MARKER, json.dumps({"base": base, "generator": f"kg {__version__}",
                                     "documents": len(documents), "entities": len(visible)},
                                    indent=1, sort_keys=True) + "\n")
    return len(documents), len(visible), pages, w.files, skipped, tuple(sorted(reader.unlinked))


def _page(env: Environment, name: str, path: str, **context: object) -> str:
    depth = 0 if not path else path.count("/") + 1
    root = "../" * depth
    return env.get_template(name).render(root=root, **context)


def _write_document(env: Environment, w: _Writer, out: Path, view: _View, page: DocumentPage) -> int:
    msg = page.message
    assert msg.path is not None
    disk = disk_path(msg.path)
    w.write(disk / "index.html", _page(env, "document.html", msg.path, page=page, doc=msg,
                                       alternates=_alternates(msg.path)))
    files = {".ttl": out / "documents" / f"{page.key}.ttl",
             ".jsonld": out / "documents" / f"{page.key}.jsonld"}
    doc_triples = None
    for suffix, source in files.items():
        target = disk.parent / f"{disk.name}{suffix}"
        if source.is_file():
            w.write(target, source.read_bytes())
            continue
        if doc_triples is None:
            doc_triples = view.triples
        w.write(target, _turtle_bytes(doc_triples) if suffix == ".ttl" else _jsonld_bytes(doc_triples))
    pages = 1
    stack = list(msg.relayed)
    while stack:
        r = stack.pop()
        stack.extend(r.relayed)
        if r.path is None:
            continue
        tree, _ = _segment(page.text, r.span[0], r.span[1], r.relayed,
                           page.mentions) if r.span else ([], 0)
        rdisk = disk_path(r.path)
        w.write(rdisk / "index.html", _page(env, "relayed.html", r.path, page=page, doc=r, tree=tree,
                                            alternates=_alternates(r.path)))
        prefix = r.iri + "/"
        triples = [t for t in view.triples if _value(t.subject) == r.iri or _value(t.subject).startswith(prefix)]
        w.write(rdisk.parent / f"{rdisk.name}.ttl", _turtle_bytes(triples))
        w.write(rdisk.parent / f"{rdisk.name}.jsonld", _jsonld_bytes(triples))
        pages += 1
    return pages


def _write_entity(env: Environment, w: _Writer, record: EntityRecord) -> int:
    assert record.path is not None
    disk = disk_path(record.path)
    rows = sorted(record.appearances.values(), key=lambda a: (_sort_date(a.date), a.document.label))
    wikidata = []
    other = []
    for iri in sorted(record.equivalents):
        m = WIKIDATA_ENTITY.match(iri)
        if m:
            wikidata.append((m[1], f"https://www.wikidata.org/wiki/{m[1]}"))
        elif _http(iri):
            other.append(iri)
    names = sorted((record.names | record.alt_labels) - record.labels - record.code_names)
    correspondents = sorted(record.correspondents.items(), key=lambda kv: (-kv[1], kv[0][1].label, kv[0][0]))
    w.write(disk / "index.html", _page(
        env, "entity.html", record.path, entity=record, label=record.label,
        kind_label=ENTITY_KINDS[record.kind][1], names=names, code_names=sorted(record.code_names),
        wikidata=sorted(set(wikidata)), other_links=other, comments=sorted(record.comments),
        rows=rows, correspondents=correspondents, alternates=_alternates(record.path)))
    w.write(disk.parent / f"{disk.name}.ttl", _turtle_bytes(record.triples))
    w.write(disk.parent / f"{disk.name}.jsonld", _jsonld_bytes(record.triples))
    return 1


def _write_overview(env: Environment, w: _Writer, title: str, base: str, documents: list[Message],
                    messages: list[Message], entities: dict[str, EntityRecord]) -> int:
    network = network_picture(messages)
    timeline = timeline_picture(documents)
    by_kind: dict[str, list[EntityRecord]] = {k: [] for k in ENTITY_KINDS}
    for record in entities.values():
        by_kind[record.kind].append(record)
    for records in by_kind.values():
        records.sort(key=lambda r: (r.label.casefold(), r.iri))
    years: dict[str, list[Message]] = defaultdict(list)
    for d in documents:
        years[d.date[:4] if d.date else "Undated"].append(d)
    common = {"base": base}
    w.write("network.svg", env.get_template("network.svg").render(net=network, root="", standalone=True))
    w.write("timeline.svg", env.get_template("timeline.svg").render(tl=timeline, root="", standalone=True))
    w.write("index.html", _page(env, "index.html", "", documents=documents, by_kind=by_kind,
                                network=network, timeline=timeline, kinds=ENTITY_KINDS, **common))
    w.write("network.html", _page(env, "network.html", "", net=network, standalone=False, **common))
    w.write("timeline.html", _page(env, "timeline.html", "", tl=timeline, documents=documents,
                                   standalone=False, **common))
    w.write("dates.html", _page(env, "dates.html", "", years=sorted(years.items()), **common))
    pages = 4
    for kind, (_, singular, plural) in ENTITY_KINDS.items():
        w.write(f"{kind}s.html", _page(env, "entities.html", "", records=by_kind[kind], singular=singular,
                                       plural=plural, kind=kind, **common))
        pages += 1
    items = []
    for d in documents:
        names = [r.label for r in d.senders + d.addressees + d.copies + d.sent_from]
        items.append([f"{d.path}/", d.title, "document", d.date or "",
                      " ".join(names + [v for _, v, _ in d.identifiers])])
    for kind in ENTITY_KINDS:
        for r in by_kind[kind]:
            extra = sorted(r.alt_labels | r.code_names | r.names)
            items.append([f"{r.path}/", r.label, ENTITY_KINDS[kind][1].lower(), "", " ".join(extra)])
    w.write("search.json", json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":"))
            + "\n")
    for asset in ("style.css", "search.js"):
        w.write(asset, env.loader.get_source(env, asset)[0])  # type: ignore[union-attr]
    return pages


DUMPS = ("dataset.nq", "dataset.trig")
DESCRIPTION = re.compile(r"^(void|dcat|description)\b.*\.(ttl|jsonld|nt|rdf)$")


def _descriptions(out: Path) -> list[str]:
    """The dataset description files a build wrote (VoID/DCAT), or the one the site will write."""
    found = sorted(p.name for p in out.glob("*") if p.is_file() and DESCRIPTION.match(p.name))
    return found or ["void.ttl"]


def _write_dumps(w: _Writer, out: Path, store: ox.Store, base: str, title: str, documents: int,
                 entities: int) -> None:
    """Copy the dataset dumps and its VoID/DCAT description (made here if the build made none)."""
    for name in (*DUMPS, "context.jsonld"):
        if (out / name).is_file():
            w.write(name, (out / name).read_bytes())
    for name in _descriptions(out):
        if (out / name).is_file():
            w.write(name, (out / name).read_bytes())
        else:
            w.write(name, _void(store, base, title, documents, entities,
                                [n for n in DUMPS if (out / n).is_file()]))


def _void(store: ox.Store, base: str, title: str, documents: int, entities: int,
          dumps: list[str]) -> bytes:
    void, dcat = "http://rdfs.org/ns/void#", "http://www.w3.org/ns/dcat#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    ds = ox.NamedNode(base + "void.ttl#dataset")

    def t(s: ox.NamedNode, p: str, o: Term) -> ox.Triple:
        return ox.Triple(s, ox.NamedNode(p), o)

    def n(v: int) -> ox.Literal:
        return ox.Literal(str(v), datatype=ox.NamedNode(xsd + "integer"))

    triples = [t(ds, RDF_TYPE, ox.NamedNode(void + "Dataset")), t(ds, RDF_TYPE, ox.NamedNode(dcat + "Dataset")),
               t(ds, DCT + "title", ox.Literal(title)),
               t(ds, void + "triples", n(len(store))), t(ds, void + "documents", n(documents)),
               t(ds, void + "entities", n(entities)), t(ds, void + "uriSpace", ox.Literal(base)),
               t(ds, dcat + "landingPage", ox.NamedNode(base))]
    types = {"dataset.nq": "application/n-quads", "dataset.trig": "application/trig"}
    for dump in dumps:
        url = ox.NamedNode(base + dump)
        dist = ox.NamedNode(base + "void.ttl#" + dump.replace(".", "-"))
        triples += [t(ds, void + "dataDump", url), t(ds, dcat + "distribution", dist),
                    t(dist, RDF_TYPE, ox.NamedNode(dcat + "Distribution")),
                    t(dist, dcat + "downloadURL", url), t(dist, dcat + "mediaType", ox.Literal(types[dump]))]
    return _turtle_bytes(triples)


def _write_server_config(env: Environment, w: _Writer, base: str) -> None:
    path = "/" + base.split("://", 1)[-1].split("/", 1)[-1] if "://" in base else "/"
    if not re.fullmatch(r"/[A-Za-z0-9/._~-]*", path):
        path = "/"
    path = path if path.endswith("/") else path + "/"
    types = {ext: media for ext, media in MEDIA_TYPES.items() if ext not in (".conf", ".htaccess")}
    ctx = {"base": base, "base_path": path, "roots": RESOURCE_ROOTS, "media_types": types}
    w.write("server/nginx.conf", env.get_template("nginx.conf").render(**ctx))
    w.write("server/apache.htaccess", env.get_template("apache.htaccess").render(**ctx))
    w.write("server/README.txt", env.get_template("server-README.txt").render(**ctx))
