"""The document model: what the parser reads out of a page copy, before any RDF.

Frozen dataclasses only; this module imports nothing from rdflib. Every extracted piece
keeps the character offsets (``Span``) where it stands in the source text, so that the
mapping can publish a Web Annotation a reader can check against the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

EntityKind = Literal["person", "place", "organisation"]
Precision = Literal["year", "month", "day", "minute"]


@dataclass(frozen=True, order=True)
class Span:
    """Half-open character range [start, end) in the source text, with the text it covers."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Source:
    """Where one document's text came from: a page copy or one row of a CSV export."""

    path: str
    text: str
    line: int = 1  # line in `path` where the text starts (CSV rows start later)
    row: int | None = None  # CSV data row number, 1-based
    url: str | None = None
    checksum: str = ""  # sha256 of the text as read
    fields: tuple[tuple[str, str], ...] = ()  # CSV columns other than the text body


@dataclass(frozen=True)
class WrittenDate:
    """A date or moment as written, and the inclusive interval it denotes."""

    begin: datetime
    end: datetime
    precision: Precision
    as_written: str
    span: Span | None = None

    @property
    def iso(self) -> str:
        """The value at the precision written: 1951-08-13, 1951-08 or 1951-08-12T04:00."""
        if self.precision == "year":
            return f"{self.begin.year:04d}"
        if self.precision == "month":
            return f"{self.begin.year:04d}-{self.begin.month:02d}"
        if self.precision == "day":
            return self.begin.date().isoformat()
        return self.begin.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Entity:
    """A person, place or organisation; `key` is the authority id or a slug of the name."""

    key: str
    kind: EntityKind
    label: str
    known: bool = True  # False: found in the text but absent from the authority file
    aliases: tuple[str, ...] = ()
    code_names: tuple[str, ...] = ()
    qid: str | None = None


@dataclass(frozen=True)
class Mention:
    """One place in the text that names an entity."""

    entity: Entity
    span: Span
    code_name: str | None = None  # the cover name used here, e.g. "Filippov"
    editorial: Span | None = None  # the editors' identification, e.g. "[Stalin]"


@dataclass(frozen=True)
class Party:
    """A sender, addressee, intermediary or copy recipient of a message."""

    mention: Mention
    copies: int | None = None  # "Stalin (2)": number of copies received


@dataclass(frozen=True)
class Identifier:
    kind: Literal["telegram-number", "outgoing-number", "record-id", "reference-number"]
    value: str
    span: Span | None = None


@dataclass(frozen=True)
class Reference:
    """An earlier message the text refers to ("your telegram of 11 August 7:00")."""

    span: Span
    date: WrittenDate | None = None
    possessive: str | None = None  # "your", "my", "our": whose message it was


@dataclass(frozen=True)
class Message:
    """A message: the document itself, or one relayed or enclosed inside it."""

    span: Span
    date: WrittenDate | None = None
    senders: tuple[Party, ...] = ()
    addressees: tuple[Party, ...] = ()
    intermediaries: tuple[Party, ...] = ()
    copies: tuple[Party, ...] = ()
    sent_from: Mention | None = None
    sent: WrittenDate | None = None
    received: WrittenDate | None = None
    identifiers: tuple[Identifier, ...] = ()
    relayed: tuple[Message, ...] = ()
    references: tuple[Reference, ...] = ()
    mentions: tuple[Mention, ...] = ()
    genre: str = "message"

    def all_mentions(self) -> Iterator[Mention]:
        """Every mention in this message and the ones it relays, parties included."""
        yield from self.mentions
        for party in (*self.senders, *self.addressees, *self.intermediaries, *self.copies):
            yield party.mention
        if self.sent_from is not None:
            yield self.sent_from
        for inner in self.relayed:
            yield from inner.all_mentions()


@dataclass(frozen=True)
class MetadataBlock:
    """One labelled block after `###` ("Source", "Rights"...); value may be empty."""

    label: str
    value: str
    span: Span


@dataclass(frozen=True)
class Document:
    """One archive document: its source, its page fields and the message it carries."""

    key: str
    source: Source
    title: str
    title_span: Span | None
    date: WrittenDate | None
    message: Message
    layout: Literal["current", "older-citation", "csv"] = "current"
    complete: bool = True
    summary: str | None = None
    metadata: tuple[MetadataBlock, ...] = ()
    header: tuple[tuple[str, Span], ...] = field(default=())  # issuing office, series...

    def meta(self, label: str) -> str | None:
        """The value of a metadata block by label (case-insensitive), if it has one."""
        for block in self.metadata:
            if block.label.lower() == label.lower() and block.value:
                return block.value
        return None
