"""Read sources: page copies (.txt), folders of them, and the archive's CSV export.

Each source yields `Source` records or `InputError`s (never raises for one bad file), so one
unreadable document never stops the others.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

from kg.authority import slug
from kg.dates import parse_date_line
from kg.errors import InputError
from kg.model import Source

PAGE_SUFFIXES = {".txt"}
CSV_SUFFIXES = {".csv"}
RESERVED_KEYS = ("entities", "links")  # the names of the dataset's own graphs (graph/entities, graph/links)
# One document's text, as a page copy or a CSV row. The archive's longest pages are a few
# hundred kB; a document of 5 MB already takes a minute to annotate and validate, so a
# larger one is a mistake (a whole export saved as one page, a binary) and is refused.
MAX_BYTES = 5_000_000
# CSV list columns and the metadata labels of a page copy they correspond to.
CSV_BLOCKS = [
    ("authors", "Author(s)"), ("associated_people_orgs", "Associated People & Organizations"),
    ("associated_places", "Associated Places"), ("subjects_discussed", "Associated Topics"),
    ("source", "Source"), ("original_archive_title", "Original Archive"), ("rights", "Rights"),
    ("original_upload_date", "Original Uploaded Date"), ("language", "Language"),
    ("record_id", "Record ID"), ("original_classification", "Original Classification"),
]
CSV_REQUIRED = ("title", "original_publication_date", "text_body")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read_sources(paths: list[Path]) -> Iterator[tuple[str, Source] | InputError]:
    """Yield (key, Source) for each document under `paths`, or an InputError for each bad one."""
    keys: set[str] = set(RESERVED_KEYS)  # graph/links and graph/entities are not documents
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES | CSV_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.exists():
            files = [path]
        else:
            yield InputError("no such file or folder", path=str(path),
                             hint="check the path given to kg build")
            continue
        for file in files:
            items = _read_csv(file) if file.suffix.lower() in CSV_SUFFIXES else _read_page(file)
            for item in items:
                if isinstance(item, InputError):
                    yield item
                    continue
                key, source = item
                unique, n = key, 2
                while unique in keys:
                    unique, n = f"{key}-{n}", n + 1
                keys.add(unique)
                yield unique, source


def decode(raw: bytes, path: str) -> str:
    """Decode a page copy: UTF-8 (with or without BOM) or UTF-16 (with or without BOM).

    Nothing else is guessed: bytes that are not UTF-8 could be cp1251, latin-1 or cp1252,
    and a wrong guess would publish mojibake under the archive's name. The error names the
    first bad byte and its line instead.
    """
    utf16 = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else _utf16_without_bom(raw)
    if utf16 is not None:
        try:
            text = raw.decode(utf16)
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].decode(utf16, errors="replace").count("\n") + 1
            raise InputError(f"broken UTF-16 at byte {exc.start} ({exc.reason})", path=path,
                             line=line, hint="re-save the file as UTF-8") from exc
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise InputError(f"byte {exc.start} is not UTF-8 ({exc.reason})", path=path,
                             line=line, hint="re-save the file as UTF-8 (e.g. iconv -f cp1251 "
                             "-t utf-8)") from exc
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise InputError("the file holds NUL characters; it is not a text page copy", path=path,
                         line=line, hint="give the page copy as plain UTF-8 text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf16_without_bom(raw: bytes) -> str | None:
    """The codec of UTF-16 saved without a byte-order mark, recognised by its zero bytes.

    Text in a Latin or Cyrillic script has a zero high byte in most code units and UTF-8
    text never holds a zero byte, so zeros in most odd (or even) positions and none in the
    others cannot be anything else.
    """
    if len(raw) < 4 or len(raw) % 2 or b"\x00" not in raw[:4096]:
        return None
    even, odd = raw[0::2], raw[1::2]
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) > len(zeros) // 2 and other.count(0) == 0:
            return codec
    return None


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_page(file: Path) -> Iterator[tuple[str, Source] | InputError]:
    if not file.is_file():
        yield InputError("not a regular file", path=str(file),
                         hint="give page copies (.txt), CSV exports (.csv) or folders of them")
        return
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            yield InputError(f"file is {size} bytes, over the {MAX_BYTES}-byte limit of a page "
                             "copy", path=str(file), hint="split it into one file per document")
            return
        text = decode(file.read_bytes(), str(file))
    except InputError as exc:
        yield exc
        return
    except OSError as exc:
        yield InputError(f"cannot read ({exc.strerror})", path=str(file),
                         hint="check the file's permissions")
        return
    if not text.strip():
        yield InputError("the file is empty", path=str(file),
                         hint="remove it or give a page copy: date line, title, text")
        return
    yield slug(file.stem), Source(path=str(file), text=text, checksum=_checksum(text))


def _read_csv(file: Path) -> Iterator[tuple[str, Source] | InputError]:
    try:
        text = decode(file.read_bytes(), str(file))
    except InputError as exc:
        yield exc
        return
    except OSError as exc:
        yield InputError(f"cannot read ({exc.strerror})", path=str(file),
                         hint="check the file's permissions")
        return
    # Lines keep their "\n": csv joins a quoted cell spanning lines with its line breaks only
    # when it sees them (a bare list of lines would glue "Secret." and "F.N.33." together).
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        yield InputError("the CSV file is empty", path=str(file),
                         hint="give the archive's CSV export: a header line, then one row per document")
        return
    except csv.Error as exc:
        yield InputError(f"the CSV header cannot be read ({exc})", path=str(file), line=1,
                         hint="the first line must name the columns, separated by commas")
        return
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        hint = "export with the archive's columns (see README, Input)"
        if len(header) == 1 and any(d in header[0] for d in ";\t|"):
            hint = "kg reads comma-separated CSV; this header has no commas (re-export with ',')"
        yield InputError(f"CSV lacks the columns {', '.join(missing)}", path=str(file), line=1,
                         hint=hint)
        return
    row_no = 0
    start_line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield InputError(f"broken CSV quoting ({exc})", path=str(file), line=start_line,
                             hint="check the quotes of this row")
            start_line = reader.line_num + 1
            continue
        here, start_line = start_line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        row_no += 1
        if len(cells) != len(header):
            yield InputError(f"row {row_no} has {len(cells)} cells, the header {len(header)}",
                             path=str(file), line=here, hint="check the quotes of this row")
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            page = csv_row_to_page(row)
            url = document_url(row.get("document_url", ""))
        except InputError as exc:
            bare = str(exc).removesuffix(f" (fix: {exc.hint})" if exc.hint else "")
            yield InputError(f"row {row_no}: {bare}", path=str(file), line=here, hint=exc.hint)
            continue
        if len(page.encode("utf-8")) > MAX_BYTES:
            yield InputError(f"row {row_no} holds {len(page.encode('utf-8'))} bytes, over the "
                             f"{MAX_BYTES}-byte limit of one document", path=str(file), line=here,
                             hint="check the quotes of this row: a quote left open swallows the "
                             "rows after it")
            continue
        key = (slug(url.rstrip("/").rsplit("/", 1)[-1]) if url else "") or (
            f"record-{slug(row.get('record_id', ''))}" if row.get("record_id", "").strip()
            else f"{slug(file.stem)}-row-{row_no}")
        yield key, Source(path=str(file), text=page, line=here, row=row_no, url=url,
                          checksum=_checksum(page))
    if row_no == 0:
        yield InputError("the CSV has a header but no rows", path=str(file),
                         hint="export the documents too, or remove the file")


def csv_row_to_page(row: dict[str, str]) -> str:
    """Lay one CSV row out as a page copy, so one parser reads both forms of the archive."""
    title = " ".join(row.get("title", "").split())
    when = " ".join(row.get("original_publication_date", "").split())
    body = row.get("text_body", "").replace("\r\n", "\n").strip("\n")
    if not title or not when or not body.strip():
        empty = [c for c, v in (("title", title), ("original_publication_date", when),
                                ("text_body", body)) if not v.strip()]
        raise InputError(f"empty {', '.join(empty)}", hint="fill the title, date and text_body cells")
    try:
        written = parse_date_line(when)
    except (ValueError, OverflowError):  # a year kg's calendar cannot hold (0000, 9999 + 1)
        written = None
    if written is None:
        raise InputError(f"original_publication_date {when[:60]!r} is not a date kg reads",
                         hint="write it as the archive does, e.g. 'August 13, 1951', "
                         "'August 1951' or '1951'")
    body = "\n".join(ln for ln in body.split("\n") if ln.strip() != "###")
    parts = [when, title, body, "###"]
    if row.get("summary", "").strip():
        parts.append(" ".join(row["summary"].split()))
    for column, label in CSV_BLOCKS:
        values = _cell_values(row.get(column, ""))
        parts.append(label)
        parts.extend(values)
    return "\n".join(parts) + "\n"


def document_url(cell: str) -> str | None:
    """The row's page URL as a valid IRI: characters an IRI forbids are percent-encoded.

    A browser does the same with a pasted URL, so the link still leads to the archive's
    page; only a value that is not an http(s) URL at all is refused.
    """
    url = cell.strip()
    if not url:
        return None
    url = quote(url, safe="".join(chr(c) for c in range(0x21, 0x7f) if chr(c) not in '<>"{}|\\^`'))
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(f"document_url {cell.strip()[:80]!r} is not an http(s) URL",
                         hint="give the archive page's address, or leave the cell empty")
    return url


def _cell_values(cell: str) -> list[str]:
    cell = cell.strip()
    if not cell:
        return []
    if cell.startswith("["):
        try:
            values = json.loads(cell)
            return [" ".join(str(v).split()) for v in values if str(v).strip()]
        except json.JSONDecodeError:
            pass
    return [ln.strip() for ln in re.split(r"\n", cell) if ln.strip()]
