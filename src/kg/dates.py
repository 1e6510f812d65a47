"""Read dates and moments as the archive writes them, keeping the precision written.

Forms seen in the corpus: "August 13, 1951", "13.8.1951", "12.8.51 4:00", "17:20 13.8.1951",
"12 August 4:00" (no year), "31.8 17:27" (no year), "17.XII.1947" (Roman month),
"10/14/50 at 6:36 a.m." (US order), "19:20 on 4 July 1953", "January 31". Two-digit and
missing years resolve against a context date (the document's own date).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from kg.model import Precision, Span, WrittenDate

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9,
         "X": 10, "XI": 11, "XII": 12}
_MON = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
        r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_ORD = r"(?:st|nd|rd|th)?"

DATE_PATTERNS = [
    # 13.8.1951, 13.8.51, 17.XII.1947, 31.8 (no year, only where a stamp allows it)
    re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>1[0-2]|0?[1-9]|X{0,1}I{1,3}|IV|VI{0,3}|IX|XI{0,2}|X)"
               r"(?:\.(?P<y>\d{4}|\d{2}))?(?![\d]|\.\d)"),
    # 10/14/50 (month first, as in US translations)
    re.compile(r"(?<![\d/])(?P<m>1[0-2]|0?[1-9])/(?P<d>[0-3]?\d)/(?P<y>\d{4}|\d{2})(?![\d/])"),
    # 13 August 1951, 12 August, 4th of July 1953
    re.compile(rf"(?<!\d)(?P<d>[0-3]?\d){_ORD}(?: of)? (?P<mon>{_MON})(?:,? (?P<y>\d{{4}}))?(?!\w)", re.I),
    # August 13, 1951, January 31
    re.compile(rf"(?<!\w)(?P<mon>{_MON}) (?P<d>[0-3]?\d){_ORD}(?:,? (?P<y>\d{{4}}))?(?![\d])", re.I),
    # August 1951 (month precision)
    re.compile(rf"(?<!\w)(?P<mon>{_MON}),? (?P<y>\d{{4}})(?!\d)", re.I),
]
TIME = re.compile(r"(?<![\d:])(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?:\s*(?P<ampm>[ap])\.?\s?m\.?)?(?![\d:])", re.I)
_BEFORE_TIME = re.compile(r"(?P<t>(?<![\d:])[0-2]?\d:[0-5]\d(?:\s*[ap]\.?\s?m\.?)?)[ ,]+(?:on |of )?$", re.I)
_AFTER_TIME = re.compile(r"^,?\s*(?:at |in |,)?\s*(?P<t>[0-2]?\d:[0-5]\d(?:\s*[ap]\.?\s?m\.?)?)(?![\d:])", re.I)


def _year(raw: str | None, month: int, day: int, context: date | None) -> tuple[int, bool] | None:
    """Resolve a written year (4 digits, 2 digits or none) against the context date."""
    if raw and len(raw) == 4:
        return int(raw), True
    if raw:
        yy = int(raw)
        if context is None:
            return 1900 + yy, True
        century = context.year - context.year % 100
        candidates = [century - 100 + yy, century + yy, century + 100 + yy]
        return min(candidates, key=lambda y: abs(y - context.year)), True
    if context is None:
        return None
    year = context.year
    try:
        if date(year, month, day) > context + timedelta(days=183):
            year -= 1
    except ValueError:
        return None
    except OverflowError:  # the context is within half a year of 9999-12-31: no later date exists
        pass
    return year, False


def _time(text: str) -> tuple[int, int] | None:
    m = TIME.search(text)
    if not m:
        return None
    hour, minute = int(m["H"]), int(m["M"])
    if m["ampm"]:
        if m["ampm"].lower() == "p" and hour < 12:
            hour += 12
        elif m["ampm"].lower() == "a" and hour == 12:
            hour = 0
    if hour > 23:
        return None
    return hour, minute


def _month(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    if groups.get("mon"):
        return MONTHS.get(groups["mon"].lower().rstrip("."))
    raw = groups.get("m")
    if raw is None:
        return None
    return ROMAN[raw] if raw in ROMAN else int(raw)


def find_dates(text: str, context: date | None = None, *, offset: int = 0,
               allow_yearless_numeric: bool = False) -> Iterator[WrittenDate]:
    """Yield every date (with an adjacent time, if any) in `text`, left to right.

    Spans are offsets into the whole source: `offset` is where `text` starts in it.
    Day-month numbers without a year ("31.8") are read only when the caller says the
    context is a stamp, since elsewhere "3.5" is rarely a date.
    """
    taken: list[tuple[int, int]] = []
    found: list[WrittenDate] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            month = _month(m)
            groups = m.groupdict()
            numeric = groups.get("m") is not None
            if month is None:
                continue
            if "d" not in groups or groups.get("d") is None:
                year = int(groups["y"])
                if not 1 <= year <= 9999:  # year 0000 is no year of the calendar
                    continue
                begin = datetime(year, month, 1)
                last = datetime(year, month, calendar.monthrange(year, month)[1], 23, 59, 59)
                found.append(WrittenDate(begin, last, "month", m[0],
                                         Span(offset + m.start(), offset + m.end(), m[0])))
                taken.append((m.start(), m.end()))
                continue
            if numeric and groups.get("y") is None and not allow_yearless_numeric:
                continue
            day = int(groups["d"])
            resolved = _year(groups.get("y"), month, day, context)
            if resolved is None:
                continue
            year, _ = resolved
            try:
                day_start = datetime(year, month, day)
            except ValueError:
                continue
            start, end = m.start(), m.end()
            precision: Precision = "day"
            hm = None
            after = _AFTER_TIME.match(text[end:end + 24])
            before = _BEFORE_TIME.search(text[max(0, start - 24):start])
            if after:
                hm = _time(after["t"])
                if hm:
                    end += after.end()
            elif before:
                hm = _time(before["t"])
                if hm:
                    start -= len(before[0])
            if hm:
                begin = day_start.replace(hour=hm[0], minute=hm[1])
                finish = begin + timedelta(seconds=59)
                precision = "minute"
            else:
                begin, finish = day_start, day_start + timedelta(days=1, seconds=-1)
            written = text[start:end]
            found.append(WrittenDate(begin, finish, precision, written,
                                     Span(offset + start, offset + end, written)))
            taken.append((start, end))
    yield from sorted(found, key=lambda w: w.span.start if w.span else 0)


def first_date(text: str, context: date | None = None, *, offset: int = 0,
               allow_yearless_numeric: bool = False) -> WrittenDate | None:
    """The first date in `text`, or None."""
    return next(find_dates(text, context, offset=offset,
                           allow_yearless_numeric=allow_yearless_numeric), None)


def parse_date_line(line: str, *, offset: int = 0) -> WrittenDate | None:
    """Read the archive's date line ("August 13, 1951", "July 1948", "1950")."""
    stripped = line.strip()
    found = first_date(stripped, offset=offset + (len(line) - len(line.lstrip())))
    if found is not None:
        return found
    m = re.fullmatch(r"(?:c\.\s*)?(\d{4})", stripped)
    if m and int(m[1]) >= 1:
        year = int(m[1])
        lead = offset + line.index(m[1])
        return WrittenDate(datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59), "year",
                           m[1], Span(lead, lead + 4, m[1]))
    return None
