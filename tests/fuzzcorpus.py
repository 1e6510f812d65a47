"""Generate a fuzz corpus from the real corpus: damaged copies of real page copies and CSV exports.

Archivists feed kg what they have: truncated scrapes, files re-saved in the wrong encoding,
OCR output with stray bytes, exports with broken rows. Every input here is a real corpus
document damaged the way such files are damaged, so a failure points at a real risk, not at
an exotic string. The corpus is deterministic: the same seed gives the same bytes.

    inputs = generate(CORPUS, CSV_EXPORT, seed=0)   # list[FuzzInput], about 900
    write(inputs, folder)                            # one file per input: {input name: path}
    write_big(folder / "big.txt", CORPUS)            # the 50 MB page copy, streamed to disk

Each input carries the outcome the contract requires where it is clear (`expect`):
"published" (the document must build and conform), "rejected" (kg must refuse it with a
clear error), or None (either is fine, as long as it is one of the two). Per page copy the
generator takes every main section boundary and a random sample of the rest, so the corpus
stays small enough to build in well under a minute while covering every kind of damage.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

LABELS = {"author(s)", "authors", "associated people & organizations", "associated places",
          "associated topics", "document information", "source", "original archive", "rights",
          "original uploaded date", "type", "language", "record id", "original classification",
          "donors", "credits"}


@dataclass(frozen=True)
class FuzzInput:
    """One damaged file: its name in the fuzz folder, bytes, how it was made and from what."""

    name: str
    data: bytes
    family: str
    origin: str
    expect: str | None = None  # "published", "rejected" or None (either outcome is allowed)

    @property
    def is_csv(self) -> bool:
        return self.name.endswith(".csv")


def corpus_pages(corpus: Path) -> list[tuple[str, str]]:
    """(file name, text) of every real page copy, in name order."""
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("*.txt"))]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def boundaries(text: str) -> list[tuple[str, int]]:
    """Where a page copy's sections end, as (what, number of lines kept) pairs.

    After the date line, after the title, after each header line, mid-body, at the end of the
    body (before `###`), after `###`, after the summary, and before and after each metadata
    block: the places where a scrape or a copy-paste really stops.
    """
    lines = _lines(text)
    sep = next((i for i, ln in enumerate(lines) if ln.strip() == "###"), None)
    body_end = sep if sep is not None else len(lines)
    header_end = next((i for i in range(2, body_end) if len(lines[i]) > 120), body_end)
    header_end = min(header_end, 2 + 8)
    out: list[tuple[str, int]] = [("date-line", 1), ("title", 2)]
    out += [(f"header-{i - 1}", i) for i in range(3, header_end + 1)]
    if body_end - header_end > 2:
        out.append(("mid-body", (header_end + body_end) // 2))
    out.append(("body", body_end))
    if sep is not None:
        out.append(("separator", sep + 1))
        labels = [i for i in range(sep + 1, len(lines))
                  if lines[i].strip().lower().rstrip(":") in LABELS]
        if labels and labels[0] > sep + 1:
            out.append(("summary", labels[0]))
        for i in labels:
            out.append((f"label-{lines[i].strip().rstrip(':')[:20]}", i + 1))
            nxt = next((j for j in labels if j > i), len(lines))
            if nxt > i + 1:
                out.append((f"block-{lines[i].strip().rstrip(':')[:20]}", nxt))
    seen: set[int] = set()
    unique = []
    for what, n in out:
        if 0 < n < len(lines) and n not in seen:
            seen.add(n)
            unique.append((what, n))
    return unique


def _truncations(stem: str, text: str, rng: random.Random) -> Iterator[tuple[str, str, str | None]]:
    lines = _lines(text)
    cuts = boundaries(text)
    fixed = [c for c in cuts if c[0] in ("date-line", "title", "mid-body", "body", "separator")]
    rest = [c for c in cuts if c not in fixed]
    # Every page is cut at its main boundaries and at two of its header lines or metadata
    # blocks, chosen at random (the corpus still covers every kind of boundary many times).
    chosen = fixed + rng.sample(rest, min(2, len(rest)))
    for what, n in sorted(chosen, key=lambda c: c[1]):
        kept = "\n".join(lines[:n])
        # Cut after the date line alone: nothing to publish. Elsewhere either outcome is fine
        # (a copy cut at its title has no text; the contract is "conforming graph or clear error").
        expect = "rejected" if n == 1 else None
        yield f"truncate-{n:03d}-{what}", kept + "\n", expect
        if what == "body":
            yield f"truncate-{n:03d}-{what}-nonl", kept, expect
    # A cut mid-word, somewhere in the body, as the stored excerpts of the archive are cut.
    cut = rng.randrange(len(text) // 2, len(text))
    yield "truncate-mid-word", text[:cut], None


def _line_edits(stem: str, text: str, rng: random.Random) -> Iterator[tuple[str, str, str | None]]:
    edits = list(_all_line_edits(text, rng))
    yield from rng.sample(edits, min(4, len(edits)))


def _all_line_edits(text: str, rng: random.Random) -> Iterator[tuple[str, str, str | None]]:
    lines = _lines(text)
    sep = next((i for i, ln in enumerate(lines) if ln.strip() == "###"), None)
    yield "delete-date-line", "\n".join(lines[1:]), None
    yield "delete-title", "\n".join(lines[:1] + lines[2:]), None
    if sep is not None:
        yield "delete-separator", "\n".join(lines[:sep] + lines[sep + 1:]), None
        yield "duplicate-separator", "\n".join(lines[:sep + 1] + lines[sep:]), None
    for n in range(2):
        i = rng.randrange(1, len(lines))
        yield f"delete-line-{n}", "\n".join(lines[:i] + lines[i + 1:]), None
        j = rng.randrange(0, len(lines))
        yield f"duplicate-line-{n}", "\n".join(lines[:j + 1] + lines[j:]), None
    yield "duplicate-date-line", "\n".join(lines[:1] + lines), None
    yield "duplicate-title", "\n".join(lines[:2] + lines[1:]), None
    body_end = sep if sep is not None else len(lines)
    header = lines[2:min(body_end, 12)]
    shuffled = header[:]
    rng.shuffle(shuffled)
    yield "shuffle-header", "\n".join(lines[:2] + shuffled + lines[2 + len(header):]), None
    yield "swap-date-title", "\n".join([lines[1], lines[0]] + lines[2:]), None
    block = lines[:]
    k = rng.randrange(2, max(3, len(block) - 1))
    block[k], block[k - 1] = block[k - 1], block[k]
    yield "swap-two-lines", "\n".join(block), None


ENCODINGS: dict[str, Callable[[str], tuple[bytes, str | None]]] = {
    # Encodings kg reads as they are: the same document must be published.
    "utf-8-bom": lambda t: (codecs.BOM_UTF8 + t.encode("utf-8"), "published"),
    "utf-16-le-bom": lambda t: (t.encode("utf-16"), "published"),
    "utf-16-be-bom": lambda t: (codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "published"),
    "utf-16-le-nobom": lambda t: (t.encode("utf-16-le"), "published"),
    "utf-16-be-nobom": lambda t: (t.encode("utf-16-be"), "published"),
    "crlf": lambda t: (t.replace("\n", "\r\n").encode(), "published"),
    "cr": lambda t: (t.replace("\n", "\r").encode(), "published"),
    # Legacy 8-bit encodings: published only if the file happens to be plain ASCII, else refused
    # with the byte and line (guessing cp1251 against latin-1 would publish mojibake).
    "cp1251": lambda t: _eight_bit(t, "cp1251"),
    "latin-1": lambda t: _eight_bit(t, "latin-1"),
    "cp1252": lambda t: _eight_bit(t, "cp1252"),
}


LEGACY = ("cp1251", "latin-1", "cp1252")


def _eight_bit(text: str, encoding: str) -> tuple[bytes, str | None]:
    data = text.encode(encoding, errors="replace")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data, "rejected"
    return data, None  # pure ASCII: identical to UTF-8, and replaced characters read as '?'


def _byte_damage(stem: str, text: str, rng: random.Random) -> Iterator[tuple[str, bytes, str | None]]:
    raw = text.encode("utf-8")
    readable = [n for n, _ in ENCODINGS.items() if n not in LEGACY]
    # The legacy encodings are refused at once, so every page gets them; of the encodings kg
    # reads (each a full build of the document) every page gets two, in rotation.
    names = [*LEGACY, *rng.sample(readable, 2)]
    for name in names:
        data, expect = ENCODINGS[name](text)
        yield f"enc-{name}", data, expect
    half = len(text) // 2
    yield "enc-mixed-cp1251", text[:half].encode() + "Шифртелеграмма №".encode("cp1251") + \
        text[half:].encode(), "rejected"
    yield "enc-mixed-latin1", text[:half].encode() + "Peñaranda, Zürich".encode("latin-1") + \
        text[half:].encode(), "rejected"
    at = rng.randrange(len(raw) // 3, len(raw))
    at = raw.rfind(b"\n", 0, at) + 1  # at a character boundary
    yield "nul-byte", raw[:at] + b"\x00" + raw[at:], "rejected"
    yield "nul-bytes-spread", b"\x00".join(raw[i:i + 97] for i in range(0, len(raw), 97)), "rejected"
    yield "invalid-utf8", raw[:at] + b"\xc3\x28\xa0\xa1\xed\xa0\x80" + raw[at:], "rejected"
    yield "truncated-utf16", text.encode("utf-16")[:-1], None
    controls = "".join(rng.choice(["\x0c", "\x0b", "\x1b", "\x7f", "\x85", "\u2028", "\u2029",
                                   "\ufeff", "\u200b", "\u202e", "\ufffd", "\U0001f600", "e\u0301"])
                       for _ in range(40))
    pos = sorted(rng.randrange(len(text)) for _ in range(len(controls)))
    out, last = [], 0
    for p, c in zip(pos, controls, strict=True):
        out.append(text[last:p] + c)
        last = p
    out.append(text[last:])
    yield "control-chars", "".join(out).encode(), None


ODD_DATE_LINES = ["February 30, 1951", "13.13.1951", "1951-08-13", "c. 1950", "n.d.", "Undated",
                  "August 13, 1951 (approx.)", "1950s", "Summer 1951", "August 13 1951", "13 August 1951",
                  "August 13, 51", "AUGUST 13, 1951", "Aug. 13, 1951", "Августа 13, 1951", "   August 13, 1951   ",
                  "August 13, 1951, 4:00", "1951", "12/31/1951", "31.12.1951", "0001", "January 1, 0001",
                  "December 31, 9998"]
# Years at the ends of the calendar: the date reader must refuse them, not raise (see test_fuzz).
EXTREME_DATE_LINES = ["August 0000", "December 9999", "0000", "December 1, 9999"]


def _date_lines(pages: list[tuple[str, str]], lines_: list[str],
                family: str = "date-line") -> Iterator[FuzzInput]:
    for n, line in enumerate(lines_):
        name, text = pages[n % 3]
        rest = text.split("\n", 1)[1]
        yield FuzzInput(f"{family}-{n:02d}-{name[:3]}.txt", (line + "\n" + rest).encode(), family,
                        name, None)


def extreme_dates(corpus: Path) -> list[FuzzInput]:
    """Page copies dated at the ends of the calendar (year 0000, 9999)."""
    return list(_date_lines(corpus_pages(corpus), EXTREME_DATE_LINES, "extreme-date"))


def _long_lines(pages: list[tuple[str, str]], rng: random.Random) -> Iterator[FuzzInput]:
    name, text = pages[0]
    lines = _lines(text)
    words = " ".join(lines[2:]).split()
    run_on = " ".join(rng.choice(words) for _ in range(10_000))  # ~65 kB of OCR run-on text
    yield FuzzInput("long-body-line.txt", "\n".join(lines[:5] + [run_on] + lines[5:]).encode(),
                    "long-line", name, None)
    yield FuzzInput("long-no-spaces.txt", "\n".join(lines[:5] + ["x" * 300_000] + lines[5:]).encode(),
                    "long-line", name, None)
    yield FuzzInput("long-title.txt", "\n".join(lines[:1] + [lines[1] * 500] + lines[2:]).encode(),
                    "long-line", name, None)
    yield FuzzInput("long-date-line.txt", "\n".join([lines[0] + " " + "1951 " * 20_000] + lines[1:]).encode(),
                    "long-line", name, None)
    yield FuzzInput("long-header-line.txt",
                    "\n".join(lines[:3] + ["From BEIJING " * 300] + lines[3:]).encode(), "long-line", name, None)
    yield FuzzInput("many-short-lines.txt", "\n".join(lines[:2] + ["a"] * 5_000 + lines[2:]).encode(),
                    "long-line", name, None)
    yield FuzzInput("many-open-quotes.txt",
                    "\n".join(lines[:2] + ['"To Comrade Mao Zedong.'] * 300 + lines[2:]).encode(),
                    "long-line", name, None)
    yield FuzzInput("many-separators.txt", "\n".join(lines + ["###"] * 5000).encode(),
                    "long-line", name, "published")


def _binary(pages: list[tuple[str, str]], rng: random.Random) -> Iterator[FuzzInput]:
    name, text = pages[0]
    blobs = {
        "random": bytes(rng.randrange(256) for _ in range(4096)),
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(500)),
        "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + zlib.compress(
            text.encode()),
        "gzip": gzip.compress(text.encode(), mtime=0),
        "elf": b"\x7fELF\x02\x01\x01\x00" + bytes(8) + bytes(rng.randrange(256) for _ in range(1000)),
        "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + zlib.compress(text.encode()),
        "utf32": text.encode("utf-32"),
        "high-bytes": bytes(rng.randrange(128, 256) for _ in range(2000)),
    }
    for kind, data in blobs.items():
        yield FuzzInput(f"binary-{kind}.txt", data, "binary", name, "rejected")
    yield FuzzInput("binary-random.csv", blobs["random"], "binary", "csv", "rejected")
    yield FuzzInput("binary-gzip.csv", blobs["gzip"], "binary", "csv", "rejected")


def _empty(pages: list[tuple[str, str]]) -> Iterator[FuzzInput]:
    name, text = pages[0]
    blobs = {
        "zero-bytes": b"", "whitespace": b" \n\t\n  \n", "newlines": b"\n" * 1000,
        "utf8-bom-only": codecs.BOM_UTF8, "utf16-bom-only": codecs.BOM_UTF16_LE,
        "crlf-only": b"\r\n\r\n", "separator-only": b"###\n",
        "date-only": text.split("\n")[0].encode(), "nbsp-only": "\u00a0\u2003\n".encode(),
    }
    for kind, data in blobs.items():
        yield FuzzInput(f"empty-{kind}.txt", data, "empty", name, "rejected")
    yield FuzzInput("empty-zero-bytes.csv", b"", "empty", "csv", "rejected")
    yield FuzzInput("empty-newlines.csv", b"\n\n\n", "empty", "csv", "rejected")


def _odd_names(pages: list[tuple[str, str]]) -> Iterator[FuzzInput]:
    """Well-formed page copies under file names no key or IRI may be built from verbatim."""
    _, text = pages[0]
    for name in ["with spaces and 'quotes' \"double\".txt", "hash#and<angle>brackets.txt",
                 "кириллица телеграмма.txt", "中文电报.txt", "semi;colon&amp;.txt", "UPPER.TXT",
                 "a b.txt", "a-b.txt", "dots...txt", "back\\slash.txt", "new\nline.txt",
                 ("x" * 200) + ".txt"]:
        yield FuzzInput(name, text.encode(), "odd-name", pages[0][0], "published")


def csv_inputs(export: Path, rng: random.Random) -> Iterator[FuzzInput]:
    """Damaged copies of the archive's CSV export: quoting, columns, cells, encodings."""
    path = next(iter(sorted(export.glob("*.csv"))))
    raw = path.read_text(encoding="utf-8")
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, full = rows[0], rows[1:]
    col = {c: i for i, c in enumerate(header)}
    # The damaged copies hold the two shortest rows: each row is a whole document to build,
    # and two are enough to show the damaged row refused and the other published.
    body = sorted(full, key=lambda r: len(r[col["text_body"]]))[:2]

    def dump(hdr: list[str] | None, data: list[list[str]]) -> bytes:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if hdr is not None:
            w.writerow(hdr)
        w.writerows(data)
        return buf.getvalue().encode()

    origin = path.name

    def emit(kind: str, data: bytes, expect: str | None = None) -> FuzzInput:
        return FuzzInput(f"csv-{kind}.csv", data, "csv", origin, expect)

    yield emit("original", raw.encode(), "published")
    small = dump(header, body).decode()
    yield emit("crlf", small.replace("\n", "\r\n").encode(), "published")
    yield emit("utf-8-bom", codecs.BOM_UTF8 + small.encode(), "published")
    yield emit("utf-16", small.encode("utf-16"), "published")
    yield emit("cp1252", raw.encode("cp1252", errors="replace"), "rejected")
    yield emit("nul", raw.encode().replace(b"Secret", b"Sec\x00ret", 1), "rejected")
    order = header[:]
    rng.shuffle(order)
    yield emit("columns-shuffled", dump(order, [[r[col[c]] for c in order] for r in body]), "published")
    for required in ("title", "original_publication_date", "text_body"):
        i = col[required]
        yield emit(f"no-{required}-column", dump(header[:i] + header[i + 1:],
                                                 [r[:i] + r[i + 1:] for r in body]), "rejected")
    yield emit("only-required-columns", dump(
        ["title", "original_publication_date", "text_body"],
        [[r[col["title"]], r[col["original_publication_date"]], r[col["text_body"]]] for r in body]),
        "published")
    yield emit("header-only", dump(header, []), "rejected")
    yield emit("no-header", dump(None, body), "rejected")
    yield emit("duplicate-rows", dump(header, body + body[:3]), "published")
    for n in range(4):
        k = rng.randrange(len(body))
        damaged = [r[:] for r in body]
        cell = rng.choice(["title", "original_publication_date", "text_body"])
        damaged[k][col[cell]] = ""
        yield emit(f"empty-{cell}-{n}-row{k}", dump(header, damaged))
        short = [r[:] for r in body]
        short[k] = short[k][: rng.randrange(1, len(header) - 1)]
        yield emit(f"missing-cells-{n}-row{k}", dump(header, short))
        long_ = [r[:] for r in body]
        long_[k] = long_[k] + ["surplus", "cells"]
        yield emit(f"extra-cells-{n}-row{k}", dump(header, long_))
        bad_date = [r[:] for r in body]
        bad_date[k][col["original_publication_date"]] = ["n.d.", "1951-13-45", "??", "Spring"][n]
        yield emit(f"bad-date-{n}-row{k}", dump(header, bad_date))
        bad_json = [r[:] for r in body]
        bad_json[k][col["associated_places"]] = '["Japan", "Taiw'
        yield emit(f"broken-json-list-{n}-row{k}", dump(header, bad_json))
        bad_url = [r[:] for r in body]
        bad_url[k][col["document_url"]] = [bad_url[k][col["document_url"]] + '"> <x y="z',
                                           "not a url", "javascript:alert(1)",
                                           "https://example.org/a b/{c}|d^e`f\\g"][n]
        yield emit(f"odd-url-{n}-row{k}", dump(header, bad_url))
    text = dump(header, body).decode()
    # Broken quoting: an opening quote never closed, a stray quote inside an unquoted cell, a
    # quote closed early -- cut at a real row start so the damage sits where an editor makes it.
    starts = [i + 1 for i, ch in enumerate(text) if ch == "\n" and text[i + 1:i + 9] == "https://"]
    for n, at in enumerate(rng.sample(starts, min(4, len(starts)))):
        yield emit(f"unclosed-quote-{n}", (text[:at] + '"' + text[at:]).encode())
        end = text.index(",", at)
        yield emit(f"stray-quote-{n}", (text[:end] + 'x"y' + text[end:]).encode())
        q = text.find(',"', at)
        yield emit(f"quote-closed-early-{n}", (text[:q + 5] + '"' + text[q + 5:]).encode())
    for n, at in enumerate(rng.sample(range(len(text) // 4, len(text)), 4)):
        yield emit(f"truncated-{n}", text[:at].encode())
    yield emit("delimiter-semicolon", text.replace(",", ";").encode(), "rejected")
    yield emit("tab-separated", dump(header, body).decode().replace(",", "\t").encode(), "rejected")
    yield emit("html-instead", b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>\n",
               "rejected")


def generate(corpus: Path, export: Path, seed: int = 0) -> list[FuzzInput]:
    """The whole fuzz corpus (deterministic for a seed), every file name unique."""
    rng = random.Random(seed)
    pages = corpus_pages(corpus)
    inputs: list[FuzzInput] = []
    for name, text in pages:
        stem = name.rsplit(".", 1)[0][:3]
        inputs.append(FuzzInput(f"{stem}-original.txt", text.encode(), "original", name, "published"))
        for family, make in (("truncate", _truncations), ("lines", _line_edits)):
            for kind, out, expect in make(stem, text, rng):
                inputs.append(FuzzInput(f"{stem}-{kind}.txt", out.encode(), family, name, expect))
        for kind, data, expect in _byte_damage(stem, text, rng):
            inputs.append(FuzzInput(f"{stem}-{kind}.txt", data, "encoding", name, expect))
    inputs += _date_lines(pages, ODD_DATE_LINES)
    inputs += _long_lines(pages, rng)
    inputs += _binary(pages, rng)
    inputs += _empty(pages)
    inputs += _odd_names(pages)
    inputs += csv_inputs(export, rng)
    names = [i.name for i in inputs]
    assert len(names) == len(set(names)), "fuzz input names must be unique"
    return inputs


def write(inputs: list[FuzzInput], folder: Path) -> dict[str, Path]:
    """Write each input as its own file in `folder`; returns {input name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for item in inputs:
        path = folder / item.name
        path.write_bytes(item.data)
        paths[item.name] = path
    return paths


def write_big(path: Path, corpus: Path, size: int = 50 * 1024 * 1024) -> Path:
    """Stream a page copy of `size` bytes (a real page, its body repeated) without holding it."""
    _, text = corpus_pages(corpus)[0]
    lines = _lines(text)
    head = ("\n".join(lines[:2]) + "\n").encode()
    chunk = ("\n".join(lines[2:]) + "\n").encode()
    with open(path, "wb") as handle:
        handle.write(head)
        written = len(head)
        while written < size:
            piece = chunk[: size - written]
            handle.write(piece)
            written += len(piece)
    return path
