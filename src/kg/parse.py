"""Parse one archive page copy into the document model.

The page layout (see the corpus README): line 1 the date line, line 2 the title (or, in the
older layout, a `• Citation` block holding title and date in a quoted string), then the
document text, then `###` and the archive's summary and metadata blocks. Inside the text:
a header (issuing office, telegram number, copies, From, Received/Sent stamps, TO line),
the body with quoted relayed messages, a closing signature, outgoing number and date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
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
_LABEL_KEYS["author(s)"] = "Author(s)"
_LABEL_KEYS["authors"] = "Author(s)"

GENRES = [
    ("memorandum of conversation", "memorandum of conversation"),
    ("ciphered telegram", "ciphered telegram"), ("telephone message", "telephone message"),
    ("hand delivered note", "note"), ("hand-delivered note", "note"), ("telegram", "telegram"),
    ("cable", "cable"), ("letter", "letter"), ("report", "report"), ("memorandum", "memorandum"),
    ("note", "note"), ("diary", "diary"), ("minutes", "minutes"), ("record", "record"),
]

NUMBER = r"(?:No\.?|N[º°o]\.?|#)\s*(?P<num>[0-9][\w/.-]*)"
TELEGRAM_NO = re.compile(r"^(?:CIPHERED TELEGRAM|CABLE|TELEGRAM|Ciphered Telegram|Issuing)\s*"
                         + NUMBER, re.I)
COPIES = re.compile(r"^(?:Copies:|Distribution list\b[^:]*:)\s*(?P<list>.*)$", re.I)
FROM = re.compile(r"^(?:From:?|FROM:)\s+(?P<place>[A-Za-z][\w' -]+?)(?=\s+(?:No\.|From|$)|[.,]|$)",
                  re.I)
RECEIVED = re.compile(r"^(?:Received|received)\b", re.I)
SENT = re.compile(r"^(?:Sent|sent|Transmitted)\b", re.I)
TO_LINE = re.compile(r"^(?:[A-Z][A-Za-z -]+--?\s*|[A-Z]+\s+-\s+)?(?:TO|To|to)\b:?\s+(?P<who>.+)$")
FOR_LINE = re.compile(r"^(?:for|For)\s+(?P<who>.+)$")
OFFICE = re.compile(r"(ADMINISTRATION|GENERAL STAFF|MINISTRY|DEPARTMENT|Department of the MFA)")
SERIES = re.compile(r"^SERIES\b", re.I)
CLASSIFICATION = re.compile(
    r"^(?:Top Secret|TOP SECRET|Secret|Strictly secret|TOP PRIORITY|SPECIAL|URGENT|Making copies|"
    r"Special No|Ciphered Telegram\.?$|CIPHERED TELEGRAM$|COPY OF|\[\.\.\.\]|\[…\])", re.I)
OUTGOING = re.compile(r"^\s*" + NUMBER + r"\s*\.?\s*$", re.I)
QUOTE_OPEN = ('"', "“", "«")
QUOTE_CLOSE = ('"', "”", "»")
REFERENCE = re.compile(
    r"\b(?:your|my|our|his|the|this|that)\s+(?:\w+\s+){0,2}?(?P<kind>telegrams?|cables?|directive|"
    r"letters?|messages?|order|instructions?)\s+(?:of|dated|from|No\.?|Nº)\s+", re.I)
REFERENCE_BEFORE = re.compile(r"\b(?:your|my|our|the)\s+(?P<date>\d{1,2}\s+[A-Z][a-z]+)\s+"
                              r"(?:telegram|cable|directive|letter)")
UNKNOWN_PERSON = re.compile(
    r"(?:\b(?:Comrade|Comrades|Cde\.|Cdes\.|Com\[rade\]|Comr\.|General of the Army|Major General|"
    r"General|Marshal|Ambassador|Chairman|Premier|Minister)\s+)"
    r"(?P<name>(?:[A-Z]\.\s?){0,3}[A-Z][A-Za-z'’-]+(?:\s+(?:[A-Z][a-z'’-]+|[A-Z]{2,}(?:-[A-Z]+)?))"
    r"{0,2})")
SIGNATURE = re.compile(r"^\(?(?P<name>(?:[A-Z]\.\s?){0,3}[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){0,2}|"
                       r"(?:[A-Z] ){2,}[A-Z])\)?\.?\s*$")


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


class PageParser:
    """Parse one page copy; one instance per document (it keeps the text and authority)."""

    def __init__(self, source: Source, authority: Authority, key: str) -> None:
        self.source = source
        self.text = source.text
        self.authority = authority
        self.key = key
        self.unknown: dict[str, Entity] = {}

    # -- page layout ---------------------------------------------------------------
    def parse(self) -> Document:
        text = self.text
        lines = split_lines(text)
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
        sep = next((i for i, ln in enumerate(lines) if ln.stripped == "###"), None)
        text_lines = lines[1:sep] if sep is not None else lines[1:]
        tail = lines[sep + 1:] if sep is not None else []
        layout = "current"
        citation_title: Span | None = None
        summary: str | None = None
        if any(ln.stripped.startswith("• Citation") for ln in text_lines[:3]):
            layout = "older-citation"
            text_lines, citation_title, summary = self._older_layout(text_lines)
            title_span = citation_title
        else:
            # Skip sponsor lines that some copies put before or after the title.
            text_lines = [ln for ln in text_lines if not _is_credit(ln.stripped)]
            if not text_lines:
                raise InputError("no title line after the date line", path=self.source.path,
                                 line=self.source.line + 1, hint="line 2 must be the title")
            title_span = text_lines[0].span()
            text_lines = text_lines[1:]
        if title_span is None or not title_span.text:
            raise InputError("no title found", path=self.source.path, line=self.source.line + 1,
                             hint="line 2 must be the title, or the citation must quote it")
        metadata, tail_summary = self._metadata(tail)
        summary = summary or tail_summary
        context = written_date.begin.date()
        body = [ln for ln in text_lines]
        message = self._message(body, title_span, context)
        complete = sep is not None and not _looks_cut(text_lines)
        return Document(
            key=self.key, source=self.source, title=title_span.text, title_span=title_span,
            date=written_date, message=message, layout=layout, complete=complete,
            summary=summary, metadata=metadata, header=self._header_fields(body),
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
            elif title is None and s and not s.startswith(("•", "get citation")) and summary is None:
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
        # The rights text on current pages follows 'Rights' but some copies drop the label.
        summary = " ".join(ln.stripped for ln in summary_lines) or None
        if summary and summary.startswith("The History and Public Policy Program welcomes"):
            blocks.insert(0, MetadataBlock("Rights", summary, summary_lines[0].span()))
            summary = None
        return tuple(blocks), summary

    # -- the message ---------------------------------------------------------------
    def _header_fields(self, lines: list[Line]) -> tuple[tuple[str, Span], ...]:
        fields = []
        for ln in lines[:12]:
            s = ln.stripped
            if OFFICE.search(s) and (s.isupper() or s.startswith(("Tenth", "Ministry"))):
                fields.append(("issuing office", ln.span()))
            elif SERIES.match(s):
                fields.append(("series", ln.span()))
            elif CLASSIFICATION.match(s):
                fields.append(("classification", ln.span()))
        return tuple(fields)

    def _message(self, lines: list[Line], title: Span, context: date) -> Message:
        relayed_blocks = _quoted_blocks(lines)
        inner_ranges = [(b[0].start, b[-1].end) for b in relayed_blocks]
        start = lines[0].start if lines else title.end
        end = lines[-1].end if lines else title.end
        senders, addressees, intermediaries, genre = self._from_title(title)
        copies: list[Party] = []
        identifiers: list[Identifier] = []
        sent_from: Mention | None = None
        sent = received = None
        header_to: list[Mention] = []
        header_for: list[Mention] = []
        body_start = 0
        for i, ln in enumerate(lines[:16]):
            s = ln.stripped
            sp = ln.span()
            if m := TELEGRAM_NO.match(s):
                identifiers.append(self._identifier("telegram-number", m, ln))
            elif m := COPIES.match(s):
                listing = m["list"] or (lines[i + 1].stripped if i + 1 < len(lines) else "")
                where = ln if m["list"] else lines[i + 1]
                copies.extend(self._copies(where))
                del listing
            elif (m := FROM.match(s)) and not sent_from:
                place = m["place"].strip()
                ps = sp.start + m.start("place")
                mention = self._resolve(place, Span(ps, ps + len(place), place), "place")
                sent_from = mention
                rest = FROM.sub("", s)
                if num := re.search(NUMBER, rest):
                    off = sp.start + s.index(num[0])
                    identifiers.append(Identifier("telegram-number", num["num"],
                                                  Span(off, off + len(num[0]), num[0])))
            elif RECEIVED.match(s) and received is None:
                received = first_date(s, context, offset=sp.start, allow_yearless_numeric=True)
            elif SENT.match(s) and sent is None:
                sent = first_date(s, context, offset=sp.start, allow_yearless_numeric=True)
            elif (m := TO_LINE.match(s)) and not header_to and not _inside(ln.start, inner_ranges):
                header_to = self._names(m["who"], sp.start + m.start("who"))
            elif (m := FOR_LINE.match(s)) and not header_for:
                header_for = self._names(m["who"], sp.start + m.start("who"))
            elif re.match(r"^(?:Comrade|Cde\.|Com\[rade\]|Dear)\b.*[!:.]?$", s) and len(s) < 80:
                if not header_to:
                    header_to = self._names(s, sp.start)
                body_start = i + 1
                break
            else:
                continue
            body_start = i + 1
        # Intermediary: "TO KRASOVSKY" + "for Mao" or "Transmit ... to MAO ZEDONG".
        if header_for and header_to:
            intermediaries = intermediaries or tuple(Party(m) for m in header_to)
        if not addressees:
            chosen = header_for or header_to
            addressees = tuple(Party(m) for m in chosen)
        closing, outgoing, closing_date = self._closing(lines, context, inner_ranges)
        identifiers.extend(outgoing)
        if not senders and closing:
            senders = tuple(Party(m) for m in closing)
        relayed = tuple(self._relayed(block, context) for block in relayed_blocks)
        references = tuple(r for r in self._references(start, end, context, relayed)
                           if not _inside(r.span.start, inner_ranges))
        mentions = self._mentions(start, end)
        own = tuple(m for m in mentions if not _inside(m.span.start, inner_ranges))
        msg_date = closing_date
        return Message(
            span=Span(start, end, self.text[start:end]), date=msg_date,
            senders=senders, addressees=addressees, intermediaries=intermediaries,
            copies=tuple(copies), sent_from=sent_from, sent=sent, received=received,
            identifiers=tuple(identifiers), relayed=relayed, references=references,
            mentions=own, genre=genre,
        )

    def _from_title(self, title: Span) -> tuple[tuple[Party, ...], tuple[Party, ...],
                                                  tuple[Party, ...], str]:
        """The archive's title names genre, sender, addressee and intermediaries."""
        t = title.text
        low = t.lower()
        genre = next((g for k, g in GENRES if low.startswith(k) or f" {k}" in low[:40]), "document")
        m = re.search(r"(?:,|\bfrom)\s+(?P<from>[^,]+?)\s+to\s+(?P<to>.+)$", t, re.I)
        if not m:
            return (), (), (), genre
        frm, to = m["from"], m["to"]
        to_start = title.start + m.start("to")
        via = None
        cut = re.search(r"(?:,\s*(?:for|conveying|transmitting|regarding|reporting)\b|\s+via\s+|"
                        r"\s*\[via\s+|,\s*\[)", to, re.I)
        tail = ""
        if cut:
            tail = to[cut.start():]
            to = to[:cut.start()]
        if tail:
            vm = re.match(r"(?:\s+via\s+|\s*\[via\s+|,\s*for\s+)(?P<who>[^\],]+)", tail, re.I)
            if vm:
                via = (vm["who"], to_start + len(to) + vm.start("who"))
                if tail.lstrip(", ").lower().startswith("for"):
                    # "X to Krasovsky, for Mao Zedong": the addressee is Mao, Krasovsky relays.
                    inter = self._names(to, to_start)
                    adds = self._names(vm["who"], via[1])
                    return (tuple(Party(x) for x in self._names(frm, title.start + m.start("from"))),
                            tuple(Party(x) for x in adds), tuple(Party(x) for x in inter), genre)
        senders = self._names(frm, title.start + m.start("from"))
        addressees = self._names(to, to_start)
        inters = self._names(via[0], via[1]) if via else []
        return (tuple(Party(x) for x in senders), tuple(Party(x) for x in addressees),
                tuple(Party(x) for x in inters), genre)

    def _names(self, phrase: str, offset: int) -> list[Mention]:
        """Resolve a phrase naming one or more parties ("Cdes. Filippov and Zhou Enlai")."""
        found = [m for m in self.authority.find(phrase, offset)]
        if found:
            return _dedupe(found)
        out = []
        for part in re.split(r",\s*|\s+and\s+", phrase):
            name = strip_titles(re.sub(r"\s*[\[(].*?[\])]", "", part))
            name = name.strip(" .:;!")
            if not name or len(name) < 3 or not re.search(r"[A-Za-zА-я]", name):
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
        hit = self.authority.lookup(name)
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
        m = COPIES.match(s.strip())
        lead = ln.start + (len(s) - len(s.lstrip()))
        list_start = lead + (m.start("list") if m else 0)
        listing = s.strip()[m.start("list"):] if m else s.strip()
        out: list[Party] = []
        pos = 0
        for item in re.split(r",\s*", listing):
            where = listing.find(item, pos)
            pos = where + len(item)
            cm = re.match(r"^(?P<name>[^\d(\-]+?)\s*(?:\((?P<n>\d+)\)|-\s*(?P<n2>\d+))?\.?$",
                          item.strip())
            if not cm:
                continue
            name = cm["name"].strip(" .")
            if not name or name.lower() in ("copy", "on file") or re.search(r"\d", name):
                continue
            count = int(cm["n"] or cm["n2"] or 1)
            off = list_start + where + item.find(name)
            hit = self.authority.lookup(name)
            kind = "person" if len(name) > 3 and not name.isupper() else "organisation"
            mention = (Mention(hit[0], Span(off, off + len(name), name), hit[1]) if hit
                       else Mention(self._unknown(name, kind), Span(off, off + len(name), name)))
            out.append(Party(mention, count))
        return out

    def _identifier(self, kind: str, m: re.Match[str], ln: Line) -> Identifier:
        sp = ln.span()
        return Identifier(kind, m["num"].rstrip("."),  # type: ignore[arg-type]
                          Span(sp.start + m.start(), sp.start + m.end(), m[0]))

    def _closing(self, lines: list[Line], context: date, inner: list[tuple[int, int]]
                 ) -> tuple[list[Mention], list[Identifier], WrittenDate | None]:
        """Signature, outgoing number and date at the end of the text (outside quotes)."""
        signers: list[Mention] = []
        numbers: list[Identifier] = []
        closing_date: WrittenDate | None = None
        for ln in reversed(lines[-8:]):
            s = ln.stripped
            if not s or _inside(ln.start, inner):
                if inner and ln.end <= inner[-1][1] and ln.start >= inner[-1][0]:
                    break
                continue
            if m := OUTGOING.match(s):
                numbers.insert(0, self._identifier("outgoing-number", m, ln))
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
            break
        return signers, numbers, closing_date

    def _signature(self, s: str, ln: Line) -> list[Mention]:
        known = _dedupe(list(self.authority.find(ln.text, ln.start)))
        if known and len(s) < 60:
            return [k for k in known if k.entity.kind == "person"][:1] or known[:1]
        m = SIGNATURE.match(s)
        if not m or len(s) > 40:
            return []
        name = m["name"]
        if re.fullmatch(r"(?:[A-Z] ){2,}[A-Z]", name):
            name = name.replace(" ", "")
        elif name.lower() in ("confirm receipt", "reporting", "attachment"):
            return []
        lead = ln.text.find(m["name"])
        span = Span(ln.start + lead, ln.start + lead + len(m["name"]), m["name"])
        hit = self.authority.lookup(name)
        return [Mention(hit[0], span, hit[1]) if hit else Mention(self._unknown(name, "person"), span)]

    def _relayed(self, block: list[Line], context: date) -> Message:
        start, end = block[0].start, block[-1].end
        first = block[0].stripped.lstrip("".join(QUOTE_OPEN))
        addressees: list[Mention] = []
        am = re.match(r"^(?:To\s+)?(?:Comrades?|Cdes?\.|Cde\.)?\s*(?P<who>[^.!:]+)[.!:]", first)
        if am:
            lead = block[0].text.find(am["who"])
            addressees = self._names(am["who"], block[0].start + lead)
            addressees = [a for a in addressees if a.entity.kind != "place"]
        last = block[-1]
        d = first_date(last.text, context, offset=last.start)
        signer = [m for m in self.authority.find(last.text, last.start) if m.entity.kind == "person"]
        if not signer:
            sig_text = re.sub(r"[\"”».]+$", "", last.stripped)
            if d:
                sig_text = sig_text.replace(d.as_written, "").strip()
            signer = self._signature(sig_text, last) if sig_text else []
        senders = tuple(Party(m) for m in signer[-1:])
        mentions = tuple(m for m in self._mentions(start, end))
        refs = self._references(start, end, context, ())
        return Message(span=Span(start, end, self.text[start:end]), date=d, senders=senders,
                       addressees=tuple(Party(a) for a in addressees), mentions=mentions,
                       references=refs, genre="telegram")

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
        found = list(self.authority.find(text, start))
        taken = [(m.span.start, m.span.end) for m in found]
        for m in UNKNOWN_PERSON.finditer(text):
            s, e = start + m.start("name"), start + m.end("name")
            if any(s < te and ts < e for ts, te in taken):
                continue
            name = m["name"]
            if name.split()[0] in ("Army", "Staff", "Government", "Assembly"):
                continue
            found.append(self._resolve(name, Span(s, e, name), "person"))
            taken.append((s, e))
        return tuple(sorted(found, key=lambda m: m.span.start))


def parse_document(source: Source, authority: Authority, key: str) -> tuple[Document,
                                                                           list[Entity]]:
    """Parse a page copy; returns the document and the entities the authority lacks."""
    parser = PageParser(source, authority, key)
    return parser.parse(), sorted(parser.unknown.values(), key=lambda e: e.key)


def _quoted_blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of lines from one opening a quotation to the one closing it (relayed messages)."""
    blocks: list[list[Line]] = []
    i = 0
    while i < len(lines):
        s = lines[i].stripped
        if s.startswith(QUOTE_OPEN) and not _closes(s[1:]):
            for j in range(i + 1, len(lines)):
                t = lines[j].stripped
                if t.endswith(tuple(q + "." for q in QUOTE_CLOSE) + QUOTE_CLOSE + tuple(
                        "." + q for q in QUOTE_CLOSE)) and not t.startswith(QUOTE_OPEN):
                    blocks.append(lines[i:j + 1])
                    i = j
                    break
        i += 1
    return blocks


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


def _looks_cut(lines: list[Line]) -> bool:
    last = next((ln.stripped for ln in reversed(lines) if ln.stripped), "")
    return not last or last[-1].isalnum() and not re.search(r"\d$|[A-Z]{2,}$", last)


__all__ = ["parse_document", "PageParser", "split_lines", "replace"]
