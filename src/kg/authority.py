"""The authority file: who and what kg recognises, under which names, and verified QIDs.

A TSV with columns id, type, label, aliases, code_names, qid, born, died, note (lists are
'|'-separated). Two small notations keep curation honest:
- an alias valid only in some years: `Kuznetsov@1943/1949` (a surname shared by two people
  is resolved by the document's date, and matches nothing outside the range);
- an alias valid only in documents that also name another entity: `Central Committee@mao-zedong`
  (a bare "Central Committee" beside Mao is the CPC's);
- spellings of one code name: `Filippov=Flilippov=ФИЛИППОВ` (the first is the canonical form
  published as the appellation; the others are recognised).
`Authority.find` scans a text for every name, alias and code name it knows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from kg.errors import InputError
from kg.model import Entity, EntityKind, Mention, Span

COLUMNS = ["id", "type", "label", "aliases", "code_names", "qid", "born", "died", "note"]
KINDS: dict[str, EntityKind] = {"person": "person", "place": "place",
                                "organisation": "organisation", "organization": "organisation"}
QID = re.compile(r"Q[1-9]\d*")
DATED = re.compile(r"^(?P<name>.+?)@(?:(?P<from>\d{4})/(?P<to>\d{4})|(?P<with>[a-z0-9-]+))$")
# An editors' identification right after a name: "Filippov [Stalin]", "Feng Xi (Stalin)".
EDITORIAL = re.compile(r"\s?[\[(](?P<who>[^\[\]()\n]{2,60})[\])]")


def slug(text: str) -> str:
    """A stable ascii key for a name: 'Qiao Guanhua' -> 'qiao-guanhua'.

    Distinct names keep distinct keys: where the ascii form loses a letter or digit (a name
    in another script, 'Пётр II' and 'Иван II' both folding to 'ii') or is cut to 80
    characters, a short hash of the whole name is appended. Accents alone lose nothing.
    """
    folded = unicodedata.normalize("NFKD", text)
    key = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode().lower()).strip("-")
    lost = any(ord(c) > 127 and unicodedata.category(c)[0] in "LN" for c in folded)
    if lost or len(key) > 80 or not key:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        key = f"{key[:67].strip('-') or 'u'}-{digest}"
    return key


@dataclass(frozen=True)
class Born:
    born: str | None
    died: str | None


@dataclass(frozen=True)
class _Name:
    entity: Entity
    code: str | None  # canonical code name when this name is a cover name
    years: tuple[int, int] | None = None  # valid only for documents dated in these years
    scope: str | None = None  # valid only in documents that also name this entity key


class Authority:
    """Entities by key, and one compiled pattern that finds any of their names in text."""

    def __init__(self, entities: list[Entity], lifespans: dict[str, Born] | None = None,
                 origin: str = "<authority>",
                 dated: dict[str, list[tuple[str, tuple[int, int] | None, str | None]]] | None = None,
                 variants: dict[str, dict[str, str]] | None = None) -> None:
        self.origin = origin
        self.linked_unknown: dict[str, str] = {}  # QIDs accepted for entities not in the file
        self.entities = {e.key: e for e in entities}
        self.lifespans = lifespans or {}
        self._dated = dated or {}
        self._variants = variants or {}
        self._names: dict[str, list[_Name]] = {}

        def add(name: str, target: _Name) -> None:
            for form in {name, name.upper()}:
                entries = self._names.setdefault(form, [])
                if all(e.entity.key != target.entity.key or e.years != target.years
                       or e.scope != target.scope for e in entries):
                    entries.append(target)

        for entity in entities:
            for name in (entity.label, *entity.aliases):
                add(name, _Name(entity, None))
            for code in entity.code_names:
                add(code, _Name(entity, code))
            for variant, code in self._variants.get(entity.key, {}).items():
                add(variant, _Name(entity, code))
            for name, years, scope in self._dated.get(entity.key, []):
                add(name, _Name(entity, None, years, scope))
        names = sorted(self._names, key=lambda n: (-len(n), n))
        self._pattern = (
            re.compile(r"(?<!\w)(?<![a-z]-)(?:" + "|".join(re.escape(n) for n in names)
                       + r")(?!\w|-[a-z])")
            if names else None
        )
        self._by_folded: dict[str, list[_Name]] = {}
        for n, entries in self._names.items():
            self._by_folded.setdefault(_fold(n), []).extend(
                e for e in entries if e not in self._by_folded.get(_fold(n), []))

    def with_links(self, qids: dict[str, str]) -> Authority:
        """A copy in which entities (known or not) take the QIDs accepted by `kg link`."""
        entities = [replace(e, qid=qids.get(e.key, e.qid)) for e in self.entities.values()]
        linked = Authority(entities, self.lifespans, self.origin, self._dated, self._variants)
        linked.linked_unknown = {k: q for k, q in qids.items() if k not in self.entities}
        return linked

    @staticmethod
    def _pick(entries: list[_Name], year: int | None, present: frozenset[str] = frozenset()
              ) -> _Name | None:
        """The entry a name denotes in a document of `year` naming `present` entities.

        Unqualified names always apply; a qualified one only inside its years or beside its
        entity, and only when exactly one qualified reading fits.
        """
        plain = [e for e in entries if e.years is None and e.scope is None]
        if plain:
            return plain[0]
        fitting = [e for e in entries
                   if (e.years is not None and year is not None and e.years[0] <= year <= e.years[1])
                   or (e.scope is not None and e.scope in present)]
        return fitting[0] if len(fitting) == 1 else None

    def lookup(self, name: str, year: int | None = None, present: frozenset[str] = frozenset()
               ) -> tuple[Entity, str | None] | None:
        """The entity a whole name denotes (and the code name used), ignoring case and titles."""
        entry = self._pick(self._by_folded.get(_fold(strip_titles(name)), []), year, present)
        return (entry.entity, entry.code) if entry else None

    def find(self, text: str, offset: int = 0, year: int | None = None,
             present: frozenset[str] = frozenset()) -> Iterator[Mention]:
        """Every known name in `text`, left to right, with editorial brackets absorbed."""
        if self._pattern is None:
            return
        skip_until = -1
        for m in self._pattern.finditer(text):
            if m.start() < skip_until:
                continue
            entry = self._pick(self._names[m[0]], year, present)
            if entry is None:
                continue
            entity, code = entry.entity, entry.code
            editorial = None
            after = EDITORIAL.match(text, m.end())
            if after:
                hit = self.lookup(after["who"], year, present)
                if hit is not None and hit[0].key == entity.key or (
                        code is not None and hit is None):
                    editorial = Span(offset + after.start("who") - 1, offset + after.end(),
                                     text[after.start("who") - 1:after.end()])
                    skip_until = after.end()
            yield Mention(entity, Span(offset + m.start(), offset + m.end(), m[0]), code, editorial)


TITLES = re.compile(
    r"^(?:(?:Comrade|Comrades|Cde\.?|Cdes\.?|Com\[rade\]|Com\.|Comr\.|Mr\.?|Mrs\.?|"
    r"General of the Army|Major General|Lieutenant General|Colonel General|General|Marshal|"
    r"Ambassador|Chairman|Premier|Minister|Generalissimo|the)\s+)+",
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
    dated: dict[str, list[tuple[str, tuple[int, int] | None, str | None]]] = {}
    variants: dict[str, dict[str, str]] = {}
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
        plain_aliases = []
        for alias in _split(aliases):
            m = DATED.match(alias)
            if m:
                years = (int(m["from"]), int(m["to"])) if m["from"] else None
                dated.setdefault(key, []).append((m["name"], years, m["with"]))
            elif "@" in alias:
                raise InputError(f"alias {alias!r} has a malformed qualifier", path=origin,
                                 line=lineno, hint="write NAME@YYYY/YYYY or NAME@other-entity-id")
            else:
                plain_aliases.append(alias)
        canonical_codes = []
        for code in _split(codes):
            forms = [f.strip() for f in code.split("=") if f.strip()]
            canonical_codes.append(forms[0])
            for variant in forms[1:]:
                variants.setdefault(key, {})[variant] = forms[0]
        entities.append(Entity(key=key, kind=KINDS[kind], label=label,
                               aliases=tuple(plain_aliases), code_names=tuple(canonical_codes),
                               qid=qid or None))
        lifespans[key] = Born(born or None, died or None)
    return Authority(entities, lifespans, origin, dated, variants)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.split("|") if p.strip())
