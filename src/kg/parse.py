"""Parse one archive page copy into the document model.

The page layout (see the corpus README): line 1 the date line, line 2 the title (or, in the
older layout, a `• Citation` block holding title and date in a quoted string), then the
document text, then `###` and the archive's summary and metadata blocks. Inside the text:
a header (issuing office, telegram number, copies, From, Received/Sent stamps, TO line),
the body with quoted relayed messages, a closing signature, outgoing number and date.

Parties are read first from the archive's title ("X to Y", "X to Y, for Z", "X to Y via Z",
"From the Diary of X"), then from the header and the signature where the title is silent.
Nothing is invented for a truncated copy: its missing end is left missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kg.authority import Authority, slug, strip_titles
from kg.dates import first_date, parse_date_line
from kg.errors import InputError
from kg.model import (
    Document,
    Entity,
    Identifier,
    Mention,
    Message,
    MetadataBlock,
    Party,
    Reference,
    Source,
    Span,
    WrittenDate,
)

METADATA_LABELS = [
    "Author(s)", "Associated People & Organizations", "Associated Places", "Associated Topics",
    "Document Information", "Source", "Original Archive", "Rights", "Original Uploaded Date",
    "Type", "Language", "Record ID", "Original Classification", "Donors", "Credits",
]
_LABEL_KEYS = {label.lower().rstrip(":"): label for label in METADATA_LABELS}
_LABEL_KEYS["authors"] = "Author(s)"

GENRES = [
    ("memorandum of conversation", "memorandum of conversation"),
    ("ciphered telegram", "ciphered telegram"), ("telephone message", "telephone message"),
    ("hand delivered note", "note"), ("hand-delivered note", "note"), ("telegram", "telegram"),
    ("cable", "cable"), ("letter", "letter"), ("report", "report"), ("memorandum", "memorandum"),
    ("note", "note"), ("diary", "diary"), ("minutes", "minutes"), ("record", "record"),
]

NUMBER = r"(?:No\.?|N[º°o]\.?|#)\s*(?P<num>[0-9][\w/.-]*)"
TELEGRAM_NO = re.compile(r"(?:CIPHERED TELEGRAM|CABLE|TELEGRAM|Ciphered Telegram|Issuing)\s*"
                         r"(?:" + NUMBER + r"|(?P<bare>\d{4,}))", re.I)
COPIES = re.compile(r"^(?:Copies:|Distribution list\b[^:]*:)\s*(?P<list>.*)$", re.I)
COPY_TO = re.compile(r"^cop(?:y|ies)\s+N[º°o]\.?(?:N[º°o])?\s*[\d\-–, ]*[\s–-]*(?:to\s+(?P<who>.+))?$",
                     re.I)
NUMBERED_COPY = re.compile(r"^\d+\.\s+(?:Comr?\.|Cde\.|Comrade)\s+(?P<who>.+)$")
FROM = re.compile(r"\b(?:From|FROM|from):?\s+(?P<what>.+?)(?=\s{2,}|\s+(?:From|from|No\.|Sent|sent|"
                  r"received|Received)\b|\.(?:\s|[A-Z]|$)|,|$)")
RECEIVED = re.compile(r"\b(?:Received|received)\b")
SENT = re.compile(r"\b(?:Sent|sent|Transmitted)\b")
TO_LINE = re.compile(r"^(?:[A-Z][\w ]*?(?:--|\s-\s|,)\s*|Destination:\s*\S+\s+)?"
                     r"(?:TO|To|to)(?:\s+Whom)?:?\s+(?P<who>.+?)\.?$")
FOR_LINE = re.compile(r"^(?:(?:for|For)\s+|(?:Pass|Transmit)\b.*?\bto\s+)(?P<who>.+?)[.:]?$")
OFFICE = re.compile(r"(ADMINISTRATION|GENERAL STAFF|MINISTRY|DEPARTMENT|Department of the MFA)")
SERIES = re.compile(r"^SERIES\b", re.I)
CLASSIFICATION = re.compile(
    r"^(?:Top Secret|TOP SECRET|Secret|Strictly secret|TOP PRIORITY|SPECIAL|URGENT|Making copies|"
    r"Special No|Ciphered Telegram\.?$|CIPHERED TELEGRAM$|COPY OF|Classification:)", re.I)
SALUTATION = re.compile(r"^(?:Comrade|Cde\.|Com\[rade\]|Dear|To Comrade|To Cde\.)\b.{0,70}[!:.]?$")
OUTGOING = re.compile(r"^\s*" + NUMBER + r"\s*\.?\s*$", re.I)
QUOTE_OPEN = ('"', "“", "«")
QUOTE_CLOSE = ('"', "”", "»")
REFERENCE = re.compile(
    r"\b(?:your|my|our|his|the|this|that)\s+(?:\w+\s+){0,2}?(?P<kind>telegrams?|cables?|directive|"
    r"letters?|messages?|order|instructions?)\s+(?:of|dated|from|No\.?|Nº)\s+", re.I)
REFERENCE_BEFORE = re.compile(r"\b(?:your|my|our|the)\s+(?P<date>\d{1,2}\s+[A-Z][a-z]+)\s+"
                              r"(?:telegram|cable|directive|letter)")
INTRO_RELAY = re.compile(
    r"\b(?:send(?:ing)?|transmit(?:ting)?|forward(?:ing)?|convey(?:ing)?)\b.{0,40}?\b(?:telegram|letter|"
    r"message|cable)\s+(?:of|from|received from)\s+(?P<who>(?:Cde\.|Comrade)?\s*[A-Z][\w. ]+?)"
    r"(?:\s+on\b|[.:,]|$)")
ENCLOSING_TITLE = re.compile(r"\b(?:transmitting|conveying|enclosing|forwarding)\s+(?:a\s+|the\s+)?"
                             r"(?:\w+\s+)?(?:letter|telegram|cable|message|note)\s+from\s+"
                             r"(?P<from>.+?)(?:\s+to\s+(?P<to>.+))?$", re.I)
DIARY_TITLE = re.compile(r"^From the Diary of (?P<who>[^:,]+)", re.I)
UNKNOWN_PERSON = re.compile(
    r"(?:\b(?:Comrade|Comrades|Cde\.|Cdes\.|Com\[rade\]|Comr\.|General of the Army|Major General|"
    r"General|Marshal|Ambassador|Chairman|Premier|Minister)\s+)"
    r"(?P<name>(?:[A-Z]\.\s?){0,3}[A-Z][A-Za-z'’-]+(?:\s+(?!The\b|A\b|An\b)(?:[A-Z][a-z'’-]+|"
    r"[A-Z]{2,}(?:-[A-Z]+)?)){0,2})")
SIGNATURE = re.compile(r"^[(–\- ]*(?P<name>(?:[A-Z]\.\s?){0,3}[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){0,2}|"
                       r"(?:[A-Z] ){2,}[A-Z])[)\-–\d ]*\.?\s*$")
POSTS = re.compile(r"\b(?:Secretary|Minister|Ambassador|Deputy|Assistant|Chief|Head|Director|"
                   r"Consul|Counsell?or|Attach[eé]|Chairman|Under-Secretary|Department|Division)\b")
NOT_NAMES = {"confirm receipt", "reporting", "attachment", "copy", "urgent", "top secret",
             "secret", "special", "telegraph the fulfillment", "by telegraph", "memorandum",
             "the", "mark", "secretary", "file", "to file"}


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()

    def span(self) -> Span:
        lead = len(self.text) - len(self.text.lstrip())
        body = self.text.strip()
        return Span(self.start + lead, self.start + lead + len(body), body)


def split_lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    end = len(text) if end is None else end
    lines = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        lines.append(Line(pos, stop, text[pos:stop]))
        pos = stop + 1
    return lines


@dataclass
class _Header:
    """What the header lines say (before the body)."""

    numbers: list[Identifier]
    copies: list[Party]
    sent_from: Mention | None = None
    senders: list[Mention] | None = None
    to: list[Mention] | None = None
    for_: list[Mention] | None = None
    sent: WrittenDate | None = None
    received: WrittenDate | None = None


class PageParser:
    """Parse one page copy; one instance per document (it keeps the text and authority)."""

    def __init__(self, source: Source, authority: Authority, key: str) -> None:
        self.source = source
        self.text = source.text
        self.authority = authority
        self.key = key
        self.unknown: dict[str, Entity] = {}
        self.year: int | None = None
        self.present: frozenset[str] = frozenset()

    def _find(self, text: str, offset: int = 0) -> list[Mention]:
        return list(self.authority.find(text, offset, self.year, self.present))

    def _lookup(self, name: str) -> tuple[Entity, str | None] | None:
        return self.authority.lookup(name, self.year, self.present)

    # -- page layout ---------------------------------------------------------------
    def parse(self) -> Document:
        lines = split_lines(self.text)
        while lines and not lines[0].stripped:
            lines.pop(0)
        if not lines:
            raise InputError("the file is empty", path=self.source.path, line=self.source.line,
                             hint="give a page copy: date line, title, text")
        date_line = lines[0]
        written_date = parse_date_line(date_line.text, offset=date_line.start)
        if written_date is None:
            raise InputError(
                f"line 1 should be the archive's date line, found {date_line.stripped[:60]!r}",
                path=self.source.path, line=self.source.line,
                hint="start the page copy with its date line, e.g. 'August 13, 1951'")
        self.year = written_date.begin.year
        # Entities named anywhere in the page scope qualified aliases ("Central Committee@mao-zedong").
        self.present = frozenset(m.entity.key for m in self._find(self.text))
        sep = next((i for i, ln in enumerate(lines) if ln.stripped == "###"), None)
        text_lines = lines[1:sep] if sep is not None else lines[1:]
        tail = lines[sep + 1:] if sep is not None else []
        layout = "current"
        summary: str | None = None
        if any(ln.stripped.startswith("• Citation") for ln in text_lines[:4]):
            layout = "older-citation"
            text_lines, title_span, summary = self._older_layout(text_lines)
        else:
            text_lines = [ln for ln in text_lines if not _is_credit(ln.stripped)]
            if not text_lines or not text_lines[0].stripped:
                raise InputError("no title line after the date line", path=self.source.path,
                                 line=self.source.line + 1, hint="line 2 must be the title")
            title_span = text_lines[0].span()
            text_lines = [ln for ln in text_lines[1:] if not _is_credit(ln.stripped)]
        if title_span is None or not title_span.text:
            raise InputError("no title found", path=self.source.path, line=self.source.line + 1,
                             hint="line 2 must be the title, or the citation must quote it")
        metadata, tail_summary = self._metadata(tail)
        complete = sep is not None
        message = self._message(text_lines, title_span, written_date.begin.date(), complete)
        return Document(
            key=self.key, source=self.source, title=title_span.text, title_span=title_span,
            date=written_date, message=message, layout=layout, complete=complete,
            summary=summary or tail_summary, metadata=metadata,
            header=self._header_fields(text_lines),
        )

    def _older_layout(self, lines: list[Line]) -> tuple[list[Line], Span | None, str | None]:
        """Older pages: title and date sit in a quoted citation; the text follows 'English HTML'."""
        title: Span | None = None
        summary = None
        body_from = 0
        for i, ln in enumerate(lines):
            s = ln.stripped
            m = re.match(r'^["“](?P<title>.+?),?["”],?\s', s)
            if m and title is None:
                lead = ln.text.index(s[0]) + 1
                t = m["title"].rstrip(",")
                title = Span(ln.start + lead, ln.start + lead + len(t), t)
            elif title is None and s and not s.startswith(("•", "get citation")) and summary is None \
                    and not _is_credit(s):
                summary = s
            if s in ("English HTML", "Russian HTML", "Original HTML") or s.startswith("• share"):
                body_from = i + 1
        return lines[body_from:], title, summary

    def _metadata(self, tail: list[Line]) -> tuple[tuple[MetadataBlock, ...], str | None]:
        blocks: list[MetadataBlock] = []
        summary_lines: list[Line] = []
        current: tuple[str, Line] | None = None
        values: list[Line] = []

        def close() -> None:
            if current is None:
                return
            label, label_line = current
            value = "\n".join(v.stripped for v in values).strip()
            start = values[0].start if values else label_line.start
            end = values[-1].end if values else label_line.end
            blocks.append(MetadataBlock(label, value, Span(start, end, self.text[start:end])))

        for ln in tail:
            key = ln.stripped.lower().rstrip(":")
            if key in _LABEL_KEYS:
                close()
                current, values = (_LABEL_KEYS[key], ln), []
            elif current is None:
                if ln.stripped:
                    summary_lines.append(ln)
            elif ln.stripped:
                values.append(ln)
        close()
        summary = " ".join(ln.stripped for ln in summary_lines) or None
        if summary and summary.startswith("The History and Public Policy Program welcomes"):
            blocks.insert(0, MetadataBlock("Rights", summary, summary_lines[0].span()))
            summary = None
        return tuple(blocks), summary

    def _header_fields(self, lines: list[Line]) -> tuple[tuple[str, Span], ...]:
        fields = []
        for ln in lines[:14]:
            s = ln.stripped
            if OFFICE.search(s) and (s.isupper() or s.startswith(("Tenth", "Ministry"))):
                fields.append(("issuing office", ln.span()))
            elif SERIES.match(s):
                fields.append(("series", ln.span()))
            elif CLASSIFICATION.match(s):
                fields.append(("classification", ln.span()))
        return tuple(fields)

    # -- the message ---------------------------------------------------------------
    def _message(self, lines: list[Line], title: Span, context: date, complete: bool) -> Message:
        start = lines[0].start if lines else title.end
        end = lines[-1].end if lines else title.end
        enclosed_at, enclosed_parties = self._enclosure(lines, title)
        outer = lines[:enclosed_at] if enclosed_at is not None else lines
        blocks = _quoted_blocks(outer, allow_unclosed=not complete and enclosed_at is None)
        blocks += self._introduced_blocks(outer, blocks, complete)
        if enclosed_at is not None:
            blocks.append(lines[enclosed_at:])
        blocks.sort(key=lambda b: b[0].start)
        inner = [(b[0].start, b[-1].end) for b in blocks]
        outside = [ln for ln in outer if not _inside(ln.start, inner)]

        senders, addressees, intermediaries, genre = self._from_title(title)
        head = self._header(outside, context)
        if not addressees:
            addressees = [*(head.for_ or head.to or [])]
        if head.for_ and head.to and not intermediaries:
            keys = {a.entity.key for a in addressees}
            intermediaries = [m for m in head.to if m.entity.key not in keys]
        if not senders and head.senders:
            senders = head.senders
        closing: list[Mention] = []
        outgoing: list[Identifier] = []
        closing_date = None
        if complete or enclosed_at is not None:
            closing, outgoing, closing_date = self._closing(outside, context)
        if not senders:
            senders = closing
        elif closing and all(s.entity.kind != "person" for s in senders):
            keys = {s.entity.key for s in senders}
            senders = senders + [c for c in closing if c.entity.kind == "person"
                                 and c.entity.key not in keys]
        relayed = []
        for i, block in enumerate(blocks):
            parties = enclosed_parties if enclosed_at is not None and block[0] is lines[enclosed_at] \
                else None
            inner_msg = self._relayed(block, context, parties, addressees, senders,
                                      complete or i < len(blocks) - 1)
            if not inner_msg.senders and intermediaries and parties is None:
                # "TO KRASOVSKY / For Comrade MAO: '...'": the quoted text is the outer sender's.
                from dataclasses import replace as _replace
                inner_msg = _replace(inner_msg, senders=_parties(senders))
            relayed.append(inner_msg)
        references = tuple(r for r in self._references(start, end, context, tuple(relayed))
                           if not _inside(r.span.start, inner))
        mentions = tuple(m for m in self._mentions(start, end) if not _inside(m.span.start, inner))
        return Message(
            span=Span(start, end, self.text[start:end]), date=closing_date,
            senders=_parties(senders), addressees=_parties(addressees),
            intermediaries=_parties(intermediaries), copies=tuple(head.copies),
            sent_from=head.sent_from, sent=head.sent, received=head.received,
            identifiers=tuple(head.numbers + outgoing), relayed=tuple(relayed),
            references=references, mentions=mentions, genre=genre,
        )

    def _header(self, lines: list[Line], context: date) -> _Header:
        """Read the header lines: numbers, copies, From, stamps, TO and FOR lines."""
        head = _Header([], [])
        in_header = True
        numbered_copies = False
        for i, ln in enumerate(lines):
            s = ln.stripped
            sp = ln.span()
            if not s:
                continue
            long_line = len(s) > 150 and not _mostly_cyrillic(s)
            if long_line:
                in_header = False
            # Copies can stand anywhere outside quotations (often at the end).
            if m := COPIES.match(s):
                where = [ln] if m["list"] else []
                j = i + 1
                while j < len(lines) and (not where or where[-1].stripped.endswith(",")):
                    where.append(lines[j])
                    j += 1
                for w in where:
                    head.copies.extend(self._copies(w))
                continue
            if m := COPY_TO.match(s):
                who = m["who"]
                target = ln
                if who is None and i + 1 < len(lines) and lines[i + 1].stripped.lower().startswith("to "):
                    target = lines[i + 1]
                    who = target.stripped[3:]
                if who:
                    off = target.text.rfind(who)
                    head.copies.extend(Party(x) for x in self._names(who, target.start + off))
                continue
            if re.match(r"^\d+\s+copies$", s, re.I):
                numbered_copies = True
                continue
            if numbered_copies and (m := NUMBERED_COPY.match(s)):
                off = ln.start + ln.text.find(m["who"])
                head.copies.extend(Party(x) for x in self._names(m["who"], off))
                continue
            if not in_header:
                continue
            if m := TELEGRAM_NO.search(s):
                if not any(n.kind == "telegram-number" for n in head.numbers):
                    num = (m["num"] or m["bare"]).rstrip(".")
                    head.numbers.append(Identifier("telegram-number", num,
                                                   Span(sp.start + m.start(), sp.start + m.end(), m[0])))
            for fm in FROM.finditer(s):
                what = fm["what"].strip()
                if not what or len(what) > 60:
                    continue
                off = sp.start + fm.start("what")
                found = self._names(what, off, kinds=None)
                for mention in found:
                    if mention.entity.kind == "place" and head.sent_from is None:
                        head.sent_from = mention
                    elif mention.entity.kind != "place" and head.senders is None:
                        head.senders = [mention]
            if (m := RECEIVED.search(s)) and head.received is None:
                head.received = first_date(s[m.end():], context, offset=sp.start + m.end(),
                                           allow_yearless_numeric=True)
            if (m := SENT.search(s)) and head.sent is None:
                head.sent = first_date(s[m.end():], context, offset=sp.start + m.end(),
                                       allow_yearless_numeric=True)
            if len(s) < 110:
                if (m := TO_LINE.match(s)) and head.to is None:
                    found = [x for x in self._names(m["who"], sp.start + m.start("who"))
                             if x.entity.kind != "place"]
                    if found:
                        head.to = found
                elif (m := FOR_LINE.match(s)) and head.for_ is None:
                    found = self._names(m["who"], sp.start + m.start("who"))
                    if found:
                        head.for_ = found
                elif SALUTATION.match(s) and head.to is None and head.for_ is None:
                    found = [x for x in self._names(s, sp.start) if x.entity.kind != "place"]
                    if found:
                        head.to = found
                    in_header = False
        return head

    def _enclosure(self, lines: list[Line], title: Span
                   ) -> tuple[int | None, tuple[list[Mention], list[Mention]] | None]:
        """Where an enclosed message begins ("transmitting a letter from W"), and its parties."""
        m = ENCLOSING_TITLE.search(title.text)
        if not m:
            return None, None
        senders = self._names(m["from"], title.start + m.start("from"))
        addressees = self._names(m["to"], title.start + m.start("to")) if m["to"] else []
        for i, ln in enumerate(lines[1:], start=1):
            s = ln.stripped
            d = first_date(s, None)
            if d is None or len(s) > len(d.as_written) + 3:
                continue
            j = i + 1
            while j < len(lines) and (OUTGOING.match(lines[j].stripped) or not lines[j].stripped
                                      or re.match(r"^(?:N[º°o]|No\.)\s", lines[j].stripped)):
                j += 1
            if j < len(lines):
                return j, (senders, addressees)
        return None, None

    def _introduced_blocks(self, lines: list[Line], blocks: list[list[Line]], complete: bool
                           ) -> list[list[Line]]:
        """An unquoted message introduced by "I am sending you a telegram of X." runs to the end."""
        starts = {b[0].start for b in blocks}
        for i, ln in enumerate(lines[:-1]):
            if _inside(ln.start, [(b[0].start, b[-1].end) for b in blocks]):
                continue
            if INTRO_RELAY.search(ln.stripped) and lines[i + 1].start not in starts \
                    and not lines[i + 1].stripped.startswith(QUOTE_OPEN):
                rest = lines[i + 1:]
                if complete:
                    rest = rest[:max(1, len(rest) - self._closing_length(rest))]
                return [rest] if rest else []
        return []

    def _closing_length(self, lines: list[Line]) -> int:
        n = 0
        for ln in reversed(lines[-6:]):
            s = ln.stripped
            if not s or OUTGOING.match(s) or (len(s) < 40 and (first_date(s, None) or SIGNATURE.match(s))):
                n += 1
            else:
                break
        return n

    def _from_title(self, title: Span) -> tuple[list[Mention], list[Mention], list[Mention], str]:
        """The archive's title names genre, sender, addressee and intermediaries."""
        t = title.text
        low = t.lower()
        genre = next((g for k, g in GENRES if low.startswith(k) or f" {k}" in low[:40]), "document")
        if dm := DIARY_TITLE.match(t):
            return self._names(dm["who"], title.start + dm.start("who")), [], [], genre
        m = re.search(r"(?:,|\bfrom)\s+(?P<from>[^,]+?)\s+to\s+(?P<to>.+)$", t, re.I)
        if not m:
            return [], [], [], genre
        frm, to = m["from"], m["to"]
        to_start = title.start + m.start("to")
        cut = re.search(r"(?:,\s*|\s+)(?:for|conveying|transmitting|regarding|reporting|concerning)\b|"
                        r"\s+via\s+|\s*\[via\s+|,\s*\[", to, re.I)
        tail = ""
        if cut:
            tail = to[cut.start():]
            to = to[:cut.start()]
        senders = self._names(frm, title.start + m.start("from"))
        addressees = self._names(to, to_start)
        inters: list[Mention] = []
        if tail:
            vm = re.match(r"(?P<sep>\s+via\s+|\s*\[via\s+|,\s*for\s+)(?P<who>[^\],]+)", tail, re.I)
            if vm:
                who = self._names(vm["who"], to_start + len(to) + vm.start("who"))
                if "for" in vm["sep"].lower():
                    # "X to Krasovsky, for Mao Zedong": the addressee is Mao; Krasovsky relays.
                    inters, addressees = addressees, who
                else:
                    inters = who
        return senders, addressees, inters, genre

    def _names(self, phrase: str, offset: int, kinds: tuple[str, ...] | None = ("person", "organisation")
               ) -> list[Mention]:
        """Resolve a phrase naming parties ("Cdes. Filippov and Zhou Enlai"); places only if alone."""
        whole = self._lookup(phrase)
        if whole is not None:
            lead = len(phrase) - len(phrase.lstrip())
            core = phrase.strip()
            return [Mention(whole[0], Span(offset + lead, offset + lead + len(core), core), whole[1])]
        found = _dedupe(list(self._find(phrase, offset)))
        if found:
            preferred = [f for f in found if kinds is None or f.entity.kind in kinds]
            return preferred or found
        out = []
        for part in re.split(r",\s*|\s+and\s+", phrase):
            name = strip_titles(re.sub(r"\s*[\[(].*?[\])]", "", part)).strip(" .:;!")
            if not _looks_like_name(name):
                continue
            where = phrase.find(name)
            if where < 0:
                continue
            kind = "organisation" if re.search(r"Ministry|Committee|Foreign|Department|MID|MFA|"
                                               r"Government|Embassy|Ambassador", name) else "person"
            out.append(self._resolve(name, Span(offset + where, offset + where + len(name), name),
                                     kind))
        return out

    def _resolve(self, name: str, span: Span, kind: str) -> Mention:
        hit = self._lookup(name)
        if hit is not None:
            return Mention(hit[0], span, hit[1])
        return Mention(self._unknown(name, kind), span)

    def _unknown(self, name: str, kind: str) -> Entity:
        label = " ".join(w if not w.isupper() or len(w) <= 3 else w.capitalize()
                         for w in name.split())
        key = slug(label)
        if key not in self.unknown:
            self.unknown[key] = Entity(key=key, kind=kind, label=label, known=False,  # type: ignore[arg-type]
                                       qid=self.authority.linked_unknown.get(key))
        return self.unknown[key]

    def _copies(self, ln: Line) -> list[Party]:
        s = ln.text
        stripped = s.strip()
        m = COPIES.match(stripped)
        lead = ln.start + (len(s) - len(s.lstrip()))
        list_start = lead + (m.start("list") if m else 0)
        listing = stripped[m.start("list"):] if m else stripped
        out: list[Party] = []
        pos = 0
        for item in re.split(r",\s*", listing):
            where = listing.find(item, pos)
            pos = where + len(item)
            cm = re.match(r"^(?P<name>.+?)\s*(?:\((?P<n>\d+)\)|-\s*(?P<n2>\d+))?\.?$", item.strip())
            if not cm:
                continue
            name = cm["name"].strip(" .")
            if not name or name.lower() in ("copy", "on file", "file") or name.lower().startswith("file"):
                continue
            count = int(cm["n"] or cm["n2"] or 1)
            off = list_start + where + item.find(name)
            hit = self._lookup(name)
            kind = "person" if len(name) > 3 and not name.isupper() else "organisation"
            mention = (Mention(hit[0], Span(off, off + len(name), name), hit[1]) if hit
                       else Mention(self._unknown(name, kind), Span(off, off + len(name), name)))
            out.append(Party(mention, count))
        return out

    def _closing(self, lines: list[Line], context: date
                 ) -> tuple[list[Mention], list[Identifier], WrittenDate | None]:
        """Signature, outgoing number and date at the end of the text."""
        signers: list[Mention] = []
        numbers: list[Identifier] = []
        closing_date: WrittenDate | None = None
        for ln in reversed(lines[-8:]):
            s = ln.stripped
            if not s or s.startswith("[") and s.endswith("]") or COPIES.match(s) or COPY_TO.match(s):
                continue
            if m := OUTGOING.match(s):
                sp = ln.span()
                numbers.insert(0, Identifier("outgoing-number", m["num"].rstrip("."),
                                             Span(sp.start + m.start(), sp.start + m.end(), m[0])))
                continue
            d = first_date(s, context, offset=ln.span().start)
            if d is not None and len(s) <= len(d.as_written) + 12:
                closing_date = closing_date or d
                rest = s.replace(d.as_written, "").strip(" .")
                if rest:
                    signers = self._signature(rest, ln) or signers
                continue
            if signers:
                break
            sig = self._signature(s, ln)
            if sig:
                signers = sig
                continue
            if len(s) < 40 and not s.endswith((".", ":")) and not signers:
                continue  # a rank or post under the signature ("Deputy Assistant Under-Secretary")
            break
        return signers, numbers, closing_date

    def _signature(self, s: str, ln: Line) -> list[Mention]:
        if len(s) > 60:
            return []
        known = _dedupe([k for k in self._find(ln.text, ln.start)])
        people = [k for k in known if k.entity.kind == "person"]
        if people:
            return people[-1:]
        m = SIGNATURE.match(s)
        if not m:
            return []
        name = m["name"]
        if re.fullmatch(r"(?:[A-Z] ){2,}[A-Z]", name):
            name = name.replace(" ", "")
        if name.lower() in NOT_NAMES or not _looks_like_name(name):
            return []
        lead = ln.text.find(m["name"])
        span = Span(ln.start + lead, ln.start + lead + len(m["name"]), m["name"])
        hit = self._lookup(name)
        if hit and hit[0].kind != "person":
            return []
        return [Mention(hit[0], span, hit[1]) if hit else Mention(self._unknown(name, "person"), span)]

    def _relayed(self, block: list[Line], context: date,
                 parties: tuple[list[Mention], list[Mention]] | None,
                 outer_addressees: list[Mention], outer_senders: list[Mention],
                 closed: bool) -> Message:
        start, end = block[0].start, block[-1].end
        addressees: list[Mention] = []
        senders: list[Mention] = []
        first_line = next((b for b in block if b.stripped and not b.stripped.startswith("[")), block[0])
        first = first_line.stripped.lstrip("".join(QUOTE_OPEN))
        am = re.match(r"^(?:To\s+|Dear\s+)?(?:Comrades?|Cdes?\.|Cde\.|Comrade)\s*(?P<who>[^.!:]*[^.!:\s])[.!:]?",
                      first) or re.match(r"^To\s+(?P<who>[^.!:]+)[.!:]", first)
        if am:
            lead = first_line.text.find(am["who"])
            addressees = [a for a in self._names(am["who"], first_line.start + lead)
                          if a.entity.kind != "place"]
        d = None
        if closed:
            last = block[-1]
            d = first_date(last.text, context, offset=last.start)
            signer = [m for m in self._find(last.text, last.start)
                      if m.entity.kind == "person"]
            if not signer and len(last.stripped) < 60:
                sig_text = re.sub(r"[\"”».]+$", "", last.stripped)
                if d:
                    sig_text = sig_text.replace(d.as_written, "").strip()
                signer = self._signature(sig_text, last) if sig_text else []
            senders = signer[-1:]
        if parties is not None:
            senders = parties[0] or senders
            addressees = parties[1] or addressees or outer_addressees
        else:
            intro = self.text[max(0, start - 200):start]
            im = next(reversed(list(INTRO_RELAY.finditer(intro))), None)  # the nearest intro
            if im is not None and not senders:
                senders = self._names(im["who"], max(0, start - 200) + im.start("who"))
        mentions = self._mentions(start, end)
        refs = self._references(start, end, context, ())
        return Message(span=Span(start, end, self.text[start:end]), date=d,
                       senders=_parties(senders), addressees=_parties(addressees),
                       mentions=mentions, references=refs, genre="message")

    def _references(self, start: int, end: int, context: date, relayed: tuple[Message, ...]
                    ) -> tuple[Reference, ...]:
        text = self.text[start:end]
        refs: list[Reference] = []
        relayed_dates = {r.date.begin for r in relayed if r.date}
        for m in REFERENCE.finditer(text):
            window = text[m.end():m.end() + 40]
            d = first_date(window, context, offset=start + m.end())
            if d is None or d.span is None or d.span.start - (start + m.end()) > 2:
                continue
            if d.begin in relayed_dates:
                continue  # the relayed message itself, introduced ("the telegram received ... on")
            s, e = start + m.start(), d.span.end
            whose = m[0].split()[0].lower()
            refs.append(Reference(Span(s, e, self.text[s:e]), d,
                                  whose if whose in ("your", "my", "our") else None))
        for m in REFERENCE_BEFORE.finditer(text):
            d = first_date(m["date"], context, offset=start + m.start("date"))
            if d is None:
                continue
            s, e = start + m.start(), start + m.end()
            whose = m[0].split()[0].lower()
            refs.append(Reference(Span(s, e, self.text[s:e]), d,
                                  whose if whose in ("your", "my", "our") else None))
        return tuple(sorted(refs, key=lambda r: r.span.start))

    def _mentions(self, start: int, end: int) -> tuple[Mention, ...]:
        text = self.text[start:end]
        found = list(self._find(text, start))
        taken = [(m.span.start, m.span.end) for m in found]
        for m in UNKNOWN_PERSON.finditer(text):
            s, e = start + m.start("name"), start + m.end("name")
            if any(s < te and ts < e for ts, te in taken):
                continue
            name = m["name"]
            if name.split()[0] in ("Army", "Staff", "Government", "Assembly", "Copy") \
                    or name.lower() in NOT_NAMES:
                continue
            found.append(self._resolve(name, Span(s, e, name), "person"))
            taken.append((s, e))
        return tuple(sorted(found, key=lambda m: m.span.start))


def parse_document(source: Source, authority: Authority, key: str) -> tuple[Document, list[Entity]]:
    """Parse a page copy; returns the document and the entities the authority lacks."""
    parser = PageParser(source, authority, key)
    return parser.parse(), sorted(parser.unknown.values(), key=lambda e: e.key)


def _quoted_blocks(lines: list[Line], allow_unclosed: bool = False) -> list[list[Line]]:
    """Runs of lines from one opening a quotation to the one closing it (relayed messages)."""
    blocks: list[list[Line]] = []
    i = 0
    closers = tuple(q + "." for q in QUOTE_CLOSE) + QUOTE_CLOSE + tuple("." + q for q in QUOTE_CLOSE)
    while i < len(lines):
        s = lines[i].stripped
        if s.startswith(QUOTE_OPEN) and not (len(s) < 200 and _closes(s[1:])):
            for j in range(i + 1, len(lines)):
                t = lines[j].stripped
                if t.endswith(closers) and not t.startswith(QUOTE_OPEN):
                    blocks.append(lines[i:j + 1])
                    i = j
                    break
            else:
                if allow_unclosed:
                    blocks.append(lines[i:])
                    break
        i += 1
    return blocks


def _parties(mentions: list[Mention]) -> tuple[Party, ...]:
    return tuple(Party(m) for m in _dedupe(mentions))


def _closes(s: str) -> bool:
    return any(q in s for q in QUOTE_CLOSE)


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in ranges)


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    seen: set[str] = set()
    out = []
    for m in mentions:
        if m.entity.key not in seen:
            seen.add(m.entity.key)
            out.append(m)
    return out


def _is_credit(s: str) -> bool:
    return s.startswith("This document was made possible")


def _mostly_cyrillic(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and sum("\u0400" <= c <= "\u04ff" for c in letters) > len(letters) / 2


def _looks_like_name(name: str) -> bool:
    """A short run of capitalised words: 'Kuznetsov', 'N. V. Roshchin', 'KIM IL SUNG'."""
    words = name.split()
    if POSTS.search(name):
        return False
    if not words or len(words) > 5 or len(name) < 3 or name.lower() in NOT_NAMES:
        return False
    return all(w[0].isupper() or w.lower() in ("of", "the", "in", "for", "and", "de", "von")
               for w in words) and bool(re.search(r"[A-Za-zА-я]", name))
