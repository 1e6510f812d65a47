"""The authority file: who and what kg recognises, under which names, and verified QIDs.

A TSV with columns id, type, label, aliases, code_names, qid, born, died, note (lists are
'|'-separated). `Authority.find` scans a text for every name, alias and code name it knows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.model import Entity, EntityKind, Mention, Span

COLUMNS = ["id", "type", "label", "aliases", "code_names", "qid", "born", "died", "note"]
KINDS: dict[str, EntityKind] = {"person": "person", "place": "place",
                                "organisation": "organisation", "organization": "organisation"}
QID = re.compile(r"Q[1-9]\d*")
# An editors' identification right after a name: "Filippov [Stalin]", "Feng Xi (Stalin)".
EDITORIAL = re.compile(r"\s?[\[(](?P<who>[^\[\]()\n]{2,60})[\])]")


def slug(text: str) -> str:
    """A stable ascii key for a name: 'Qiao Guanhua' -> 'qiao-guanhua'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not key:  # names in scripts with no ascii form keep a readable, stable key
        key = "u" + "-".join(f"{ord(c):x}" for c in text if not c.isspace())[:60]
    return key[:80].strip("-")


@dataclass(frozen=True)
class Born:
    born: str | None
    died: str | None


class Authority:
    """Entities by key, and one compiled pattern that finds any of their names in text."""

    def __init__(self, entities: list[Entity], lifespans: dict[str, Born] | None = None,
                 origin: str = "<authority>") -> None:
        self.origin = origin
        self.linked_unknown: dict[str, str] = {}  # QIDs accepted for entities not in the file
        self.entities = {e.key: e for e in entities}
        self.lifespans = lifespans or {}
        self._names: dict[str, tuple[Entity, str | None]] = {}
        for entity in entities:
            for name in (entity.label, *entity.aliases):
                self._names.setdefault(name, (entity, None))
                self._names.setdefault(name.upper(), (entity, None))
            for code in entity.code_names:
                self._names.setdefault(code, (entity, code))
                self._names.setdefault(code.upper(), (entity, code))
        names = sorted(self._names, key=lambda n: (-len(n), n))
        self._pattern = (
            re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
            if names else None
        )
        self._by_folded = {_fold(n): v for n, v in self._names.items()}

    def with_links(self, qids: dict[str, str]) -> Authority:
        """A copy in which entities (known or not) take the QIDs accepted by `kg link`."""
        from dataclasses import replace

        entities = [replace(e, qid=qids.get(e.key, e.qid)) for e in self.entities.values()]
        linked = Authority(entities, self.lifespans, self.origin)
        linked.linked_unknown = {k: q for k, q in qids.items() if k not in self.entities}
        return linked

    def lookup(self, name: str) -> tuple[Entity, str | None] | None:
        """The entity a whole name denotes (and the code name used), ignoring case and titles."""
        return self._by_folded.get(_fold(strip_titles(name)))

    def find(self, text: str, offset: int = 0) -> Iterator[Mention]:
        """Every known name in `text`, left to right, with editorial brackets absorbed."""
        if self._pattern is None:
            return
        skip_until = -1
        for m in self._pattern.finditer(text):
            if m.start() < skip_until:
                continue
            entity, code = self._names[m[0]]
            editorial = None
            after = EDITORIAL.match(text, m.end())
            if after:
                hit = self.lookup(after["who"])
                if hit is not None and hit[0].key == entity.key or (
                        code is not None and hit is None):
                    editorial = Span(offset + after.start("who") - 1, offset + after.end(),
                                     text[after.start("who") - 1:after.end()])
                    skip_until = after.end()
            yield Mention(entity, Span(offset + m.start(), offset + m.end(), m[0]), code, editorial)


TITLES = re.compile(
    r"^(?:(?:Comrade|Comrades|Cde\.?|Cdes\.?|Com\[rade\]|Com\.|Mr\.?|Mrs\.?|General of the Army|"
    r"Major General|Lieutenant General|Colonel General|General|Marshal|Ambassador|Chairman|"
    r"Premier|Minister|Generalissimo)\s+)+",
    re.I,
)


def strip_titles(name: str) -> str:
    return TITLES.sub("", name.strip()).strip(" .,;:!\"'“”")


def _fold(name: str) -> str:
    return re.sub(r"[\s.]+", " ", name).strip().casefold()


def load_authority(path: Path | str, text: str | None = None) -> Authority:
    """Read an authority TSV; a bad row raises InputError naming the file and line."""
    origin = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the authority file ({exc})", path=origin,
                             hint="pass a UTF-8 TSV with --authority") from exc
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header != COLUMNS:
        raise InputError(f"header is {header!r}", path=origin, line=1,
                         hint="the first line must be the columns " + "\t".join(COLUMNS))
    entities: list[Entity] = []
    lifespans: dict[str, Born] = {}
    seen: set[str] = set()
    for lineno, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(COLUMNS):
            raise InputError(f"{len(row)} columns, expected {len(COLUMNS)}", path=origin,
                             line=lineno, hint="separate the 9 columns with single tabs")
        key, kind, label, aliases, codes, qid, born, died, _note = (c.strip() for c in row)
        if kind not in KINDS:
            raise InputError(f"type {kind!r} is not one of person, place, organisation",
                             path=origin, line=lineno, hint="correct the type column")
        if not key or slug(key) != key:
            raise InputError(f"id {key!r} is not a lower-case slug", path=origin, line=lineno,
                             hint=f"use {slug(label)!r}")
        if key in seen:
            raise InputError(f"id {key!r} appears twice", path=origin, line=lineno,
                             hint="merge the two rows")
        if not label:
            raise InputError("label is empty", path=origin, line=lineno, hint="give a name")
        if qid and not QID.fullmatch(qid):
            raise InputError(f"qid {qid!r} is not a Wikidata QID", path=origin, line=lineno,
                             hint="write Q followed by digits, or leave it empty")
        seen.add(key)
        entities.append(Entity(key=key, kind=KINDS[kind], label=label,
                               aliases=_split(aliases), code_names=_split(codes),
                               qid=qid or None))
        lifespans[key] = Born(born or None, died or None)
    return Authority(entities, lifespans, origin)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.split("|") if p.strip())
