"""Bad input never crashes and never half-publishes: the fuzz corpus and property-based tests.

The fuzz corpus (tests/fuzzcorpus.py) is made from the real corpus: page copies cut at every
section boundary, lines deleted, duplicated and shuffled, files re-encoded (cp1251, latin-1,
UTF-16 with and without BOM, UTF-8 BOM, NUL bytes), very long lines, a 50 MB file, binaries,
empty files, odd file names, and CSV exports with broken quoting, missing columns and cells.
All of it goes through one real build (documents are isolated, so one run tests them all),
and every input must end in one of two outcomes:

- published: documents/<key>.ttl and .jsonld exist and the document's graph conforms;
- rejected: an error naming the file (and line, where there is one), the problem and the fix.

Never a traceback, never the generic "kg could not parse this document" (that message means
an unexpected exception was caught: a bug), and the other documents of the run are published.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzcorpus
from conftest import CORPUS, CSV_EXPORT
from fuzzcorpus import FuzzInput
from kg import export
from kg.build import BuildReport, build, load_settings_authority
from kg.dates import find_dates, first_date, parse_date_line
from kg.errors import InputError
from kg.mapping import Minter, map_document
from kg.model import Source, Span
from kg.parse import parse_document
from kg.settings import Settings

GENERIC = "kg could not parse this document"
KG = [sys.executable, "-m", "kg.cli"]


# -- the fuzz run ------------------------------------------------------------------------------
@dataclasses.dataclass
class FuzzRun:
    inputs: list[FuzzInput]
    paths: dict[str, Path]
    out: Path
    report: BuildReport


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory: pytest.TempPathFactory) -> FuzzRun:
    """The whole fuzz corpus built once, in one folder, with two worker processes."""
    root = tmp_path_factory.mktemp("fuzz")
    inputs = fuzzcorpus.generate(CORPUS, CSV_EXPORT, seed=0)
    paths = fuzzcorpus.write(inputs, root / "in")
    big = fuzzcorpus.write_big(root / "in" / "big-50mb.txt", CORPUS)
    inputs.append(FuzzInput(big.name, b"", "big-file", "50 MB of a real page", "rejected"))
    paths[big.name] = big
    try:
        report = build([root / "in"], root / "out", Settings(jobs=2))
    finally:
        big.unlink()  # 50 MB: not kept around
    return FuzzRun(inputs, paths, root / "out", report)


@dataclasses.dataclass
class Outcome:
    item: FuzzInput
    published: list[object]  # the documents (DocumentRecord) built from the input
    errors: list[InputError]
    not_conforming: bool  # validation.txt reports a graph of this input as not conforming

    @property
    def nonconforming(self) -> list[object]:
        return [d for d in self.published if not d.report.conforms]  # type: ignore[attr-defined]

    @property
    def kind(self) -> str:
        if self.nonconforming:
            return "published-nonconforming"
        if self.not_conforming and not self.published:
            return "withheld-nonconforming"  # reported in validation.txt, not published
        if self.published and self.errors:
            return "partly-published" if self.item.is_csv else "both"
        if self.published:
            return "published"
        return "rejected" if self.errors else "lost"


def outcomes(run: FuzzRun) -> list[Outcome]:
    docs: dict[str, list[object]] = defaultdict(list)
    errors: dict[str | None, list[InputError]] = defaultdict(list)
    for d in run.report.documents:
        docs[d.source].append(d)
    for e in run.report.errors:
        errors[e.path].append(e)
    known = {str(p) for p in run.paths.values()}
    assert set(docs) <= known, f"documents from unknown sources: {set(docs) - known}"
    assert set(errors) <= known, f"errors naming no input: {sorted(map(str, set(errors) - known))[:5]}"
    validation = (run.out / "validation.txt").read_text(encoding="utf-8")
    failing = {m[1] for m in re.finditer(r"^(.*?)(?: row \d+)?: DOES NOT CONFORM$", validation, re.M)}
    return [Outcome(item, docs[str(run.paths[item.name])], errors[str(run.paths[item.name])],
                    str(run.paths[item.name]) in failing)
            for item in run.inputs]


def summary(results: list[Outcome]) -> str:
    by_family: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        by_family[r.item.family][r.kind] += 1
    total = Counter(r.kind for r in results)
    lines = [f"fuzz inputs: {len(results)}  " + "  ".join(f"{k}: {n}" for k, n in sorted(total.items()))]
    lines += [f"  {fam:<12} " + "  ".join(f"{k}: {n}" for k, n in sorted(c.items()))
              for fam, c in sorted(by_family.items())]
    return "\n".join(lines)


def test_fuzz_corpus_is_large_varied_and_deterministic() -> None:
    first = fuzzcorpus.generate(CORPUS, CSV_EXPORT, seed=0)
    again = fuzzcorpus.generate(CORPUS, CSV_EXPORT, seed=0)
    other = fuzzcorpus.generate(CORPUS, CSV_EXPORT, seed=1)

    def digest(items: list[FuzzInput]) -> str:
        return hashlib.sha256(b"".join(i.name.encode() + b"\0" + i.data for i in items)).hexdigest()

    assert digest(first) == digest(again)
    assert digest(first) != digest(other)
    assert len(first) >= 500
    families = Counter(i.family for i in first)
    assert set(families) >= {"original", "truncate", "lines", "encoding", "date-line", "long-line",
                             "binary", "empty", "odd-name", "csv"}
    cut = {i.name[:-4].split("-", 3)[-1].split("-")[0] for i in first if i.family == "truncate"}
    assert cut >= {"date", "title", "header", "mid", "body", "separator", "summary", "label", "block"}, cut
    kinds = {i.name[:-4].split("-", 1)[1] for i in first if i.family == "encoding"}
    for needed in ("enc-cp1251", "enc-latin-1", "enc-utf-8-bom", "enc-utf-16-le-bom", "enc-utf-16-le-nobom",
                   "enc-utf-16-be-nobom", "nul-byte", "enc-mixed-cp1251"):
        assert needed in kinds, needed


@pytest.mark.slow
def test_every_input_is_published_or_rejected_clearly(fuzz_run: FuzzRun) -> None:
    results = outcomes(fuzz_run)
    report = summary(results)
    print(report)
    counts = Counter(r.kind for r in results)
    assert len(results) >= 500
    assert counts["published"] >= 100 and counts["rejected"] >= 100, report

    lost = [r.item.name for r in results if r.kind in ("lost", "both")]
    assert not lost, f"inputs with no outcome, or two:\n{lost}\n{report}"

    generic = [str(e) for e in fuzz_run.report.errors if GENERIC in str(e)]
    assert not generic, "unexpected exceptions (kg bugs), one per input:\n" + "\n".join(generic)

    unclear = [str(e) for e in fuzz_run.report.errors
               if e.path is None or not str(e).startswith(e.path) or "Traceback" in str(e)
               or "(fix: " not in str(e)]
    assert not unclear, "errors that do not name the file and the fix:\n" + "\n".join(unclear[:20])

    # Where a line number means something, the error gives it.
    no_line = [str(e) for r in results for e in r.errors if e.line is None and (
        "is not UTF-8" in str(e) or "NUL" in str(e) or re.search(r": row \d+", str(e)))]
    assert not no_line, "errors without the line they concern:\n" + "\n".join(no_line[:20])

    wrong = [(r.item.name, r.item.expect, r.kind, [str(e) for e in r.errors][:2]) for r in results
             if r.item.expect is not None and r.kind != r.item.expect]
    assert not wrong, "inputs whose outcome breaks the contract:\n" + "\n".join(map(str, wrong))


@pytest.mark.slow
def test_fuzz_outputs_hold_exactly_the_published_documents(fuzz_run: FuzzRun) -> None:
    out, report = fuzz_run.out, fuzz_run.report
    keys = {d.key for d in report.documents}
    files = {p.name for p in (out / "documents").iterdir()}
    assert files == {f"{k}{suffix}" for k in keys for suffix in (".ttl", ".jsonld")}
    for key in sorted(keys):
        ox.parse(path=str(out / "documents" / f"{key}.ttl"), format=ox.RdfFormat.TURTLE)
        json.loads((out / "documents" / f"{key}.jsonld").read_text(encoding="utf-8"))
    store = ox.Store()
    store.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    graphs = {g.value for g in store.named_graphs()}
    documents = {d.graph for d in report.documents}
    assert documents <= graphs and len(graphs - documents) <= 2  # + graph/entities, graph/links
    written = (out / "errors.txt").read_text(encoding="utf-8")
    assert all(str(e) in written for e in report.errors)
    # A document that does not conform is named in validation.txt with its shape and fix.
    validation = (out / "validation.txt").read_text(encoding="utf-8")
    for d in report.documents:
        if not d.report.conforms:
            assert f"{d.report.graph}: DOES NOT CONFORM" in validation
    print(f"published {len(keys)} documents from {len(fuzz_run.inputs)} inputs; "
          f"{len(report.errors)} errors; {sum(1 for d in report.documents if not d.report.conforms)} "
          "published graphs do not conform")


@pytest.mark.slow
def test_fuzz_rejections_say_what_is_wrong(fuzz_run: FuzzRun) -> None:
    """Spot checks of the message each kind of damage gets."""
    by_name = {r.item.name: r for r in outcomes(fuzz_run)}

    def message(name: str) -> str:
        return " | ".join(str(e) for e in by_name[name].errors)

    assert "over the" in message("big-50mb.txt") and "byte limit" in message("big-50mb.txt")
    assert "empty" in message("empty-zero-bytes.txt")
    assert "NUL" in message("binary-utf32.txt") or "not UTF-8" in message("binary-utf32.txt")
    cp1251 = next(n for n in by_name if n.endswith("enc-mixed-cp1251.txt"))
    assert "is not UTF-8" in message(cp1251) and "iconv" in message(cp1251)
    assert "lacks the columns text_body" in message("csv-no-text_body-column.csv")
    assert "comma" in message("csv-delimiter-semicolon.csv")
    bad_date = next(r for n, r in by_name.items() if n.startswith("csv-bad-date-0"))
    assert any("original_publication_date 'n.d.'" in str(e) for e in bad_date.errors)
    assert bad_date.published, "the other row of the CSV is still published"
    unclosed = [r for n, r in by_name.items() if n.startswith("csv-unclosed-quote")]
    assert unclosed and all(r.errors and all(e.line for e in r.errors) for r in unclosed)


@pytest.mark.slow
def test_odd_file_names_get_distinct_keys(fuzz_run: FuzzRun) -> None:
    results = [r for r in outcomes(fuzz_run) if r.item.family == "odd-name"]
    keys = [d.key for r in results for d in r.published]  # type: ignore[attr-defined]
    assert len(keys) == len(results) == len(set(keys)), keys  # "a b.txt" and "a-b.txt" both kept


def test_csv_rows_keep_their_line_breaks(tmp_path: Path) -> None:
    """A text_body spanning lines stays lines (the CSV reader once glued them together)."""
    from kg.sources import read_sources

    first = next(item for item in read_sources([CSV_EXPORT]) if isinstance(item, tuple))
    text = first[1].text
    assert "Secret.\nF.N.33.\nNew Delhi, 1st April, 1949.\n" in text, text[:200]


def test_a_document_that_cannot_conform_is_reported_and_not_published(tmp_path: Path) -> None:
    """A telegram whose text names no party cannot conform (a sender is required): reported, not published."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "nobody.txt").write_text("August 13, 1951\nCiphered Telegram\nThe text names nobody.\n###\n")
    good = sorted(CORPUS.glob("000_*.txt"))[0]
    (folder / good.name).write_bytes(good.read_bytes())
    out = tmp_path / "out"
    run = subprocess.run([*KG, "build", str(folder), "-o", str(out), "--quiet", "-j", "1"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr  # 1: a graph does not conform
    assert "Traceback" not in run.stderr and str(folder / "nobody.txt") in run.stderr
    reported = (out / "validation.txt").read_text() + (out / "errors.txt").read_text()
    assert str(folder / "nobody.txt") in reported
    assert sorted(p.name for p in (out / "documents").iterdir()) == [
        good.stem.replace("_", "-") + ".jsonld", good.stem.replace("_", "-") + ".ttl"]
    assert "graph/nobody>" not in (out / "dataset.nq").read_text()


def test_dates_at_the_ends_of_the_calendar_are_refused_clearly(tmp_path: Path) -> None:
    inputs = fuzzcorpus.extreme_dates(CORPUS)
    fuzzcorpus.write(inputs, tmp_path / "in")
    report = build([tmp_path / "in"], tmp_path / "out", Settings(jobs=1))
    generic = [str(e) for e in report.errors if GENERIC in str(e)]
    assert not generic, "\n".join(generic)
    assert len(report.errors) + len(report.documents) == len(inputs)


def test_exit_status_tells_what_happened(tmp_path: Path) -> None:
    """0 when every input is published; 2 when some are rejected, the others still published."""
    good, bad = tmp_path / "good", tmp_path / "mixed"
    pages = sorted(CORPUS.glob("*.txt"))[:2]
    for folder in (good, bad):
        folder.mkdir()
        for page in pages:
            (folder / page.name).write_bytes(page.read_bytes())
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "cp1251.txt").write_bytes("13 августа 1951\nТелеграмма\n".encode("cp1251"))
    (bad / "empty.txt").write_bytes(b"")
    ok = subprocess.run([*KG, "build", str(good), "-o", str(tmp_path / "out-good"), "--quiet", "-j", "1"],
                        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "error" not in ok.stderr and "Traceback" not in ok.stderr
    mixed = subprocess.run([*KG, "build", str(bad), "-o", str(tmp_path / "out-mixed"), "--quiet", "-j", "1"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert mixed.returncode == 2, mixed.stderr
    assert "Traceback" not in mixed.stderr + mixed.stdout
    for name in ("binary.txt", "cp1251.txt:1:", "empty.txt"):
        assert f"error: {bad / name}" in mixed.stderr, (name, mixed.stderr)
    assert "built 2 documents" in mixed.stdout and "3 sources not read" in mixed.stdout
    assert len(list((tmp_path / "out-mixed" / "documents").glob("*.ttl"))) == 2


# -- property-based tests of the parser --------------------------------------------------------
AUTHORITY = load_settings_authority(Settings())
PAGES = fuzzcorpus.corpus_pages(CORPUS)
REAL_LINES = sorted({ln for _, text in PAGES for ln in text.split("\n")})
NAMES = sorted({n for e in AUTHORITY.entities.values() for n in (e.label, *e.aliases, *e.code_names)})
# Characters a decoded page copy can hold: anything but surrogates, NUL and CR (read as LF).
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r")
FRAGMENTS = ["Comrade ", "Cde. ", "To ", "From ", "Copies: ", "No. ", "Received ", "Sent ", '"', "“", "»",
             "[", "]", "(", ")", " (2)", ", ", " to ", " via ", ", for ", "###", "12.8.51 4:00", "17:20 ",
             "13.8.1951", "your telegram of 11 August 7:00", "TO ", "FILIPPOV", "• Citation", "English HTML"]


def _calendar_date(d: date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year:04d}"


date_lines = st.one_of(
    st.sampled_from([text.split("\n", 1)[0] for _, text in PAGES]),
    st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)).map(_calendar_date),
    st.text(CHARS, max_size=30))
pieces = st.one_of(st.sampled_from(NAMES), st.sampled_from(FRAGMENTS), st.text(CHARS, max_size=12))
made_lines = st.lists(pieces, max_size=8).map("".join)
lines = st.one_of(st.sampled_from(REAL_LINES), made_lines, st.sampled_from(sorted(fuzzcorpus.LABELS)))
page_texts = st.builds(lambda d, t, body: "\n".join([d, t, *body]), date_lines, made_lines,
                       st.lists(lines, max_size=40))


@st.composite
def damaged_pages(draw: st.DrawFn) -> str:
    """A real page copy with a few random edits: lines deleted, duplicated, text spliced in."""
    _, text = draw(st.sampled_from(PAGES))
    for _ in range(draw(st.integers(0, 4))):
        rows = text.split("\n")
        i = draw(st.integers(0, len(rows) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "insert-line", "splice", "cut"]))
        if op == "delete":
            rows.pop(i)
        elif op == "duplicate":
            rows.insert(i, rows[i])
        elif op == "insert-line":
            rows.insert(i, draw(lines))
        elif op == "splice":
            at = draw(st.integers(0, len(rows[i])))
            rows[i] = rows[i][:at] + draw(made_lines) + rows[i][at:]
        else:
            rows = rows[:i + 1]
        text = "\n".join(rows)
    return text


def spans(value: object) -> Iterator[Span]:
    """Every Span anywhere in a parsed document (not inside its Source or entities)."""
    if isinstance(value, Span):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, Source | type):
        for f in dataclasses.fields(value):
            if f.name not in ("source", "entity"):
                yield from spans(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for v in value:
            yield from spans(v)


def check_parse(text: str, *, map_too: bool = False) -> None:
    source = Source(path="fuzz.txt", text=text)
    try:
        doc, _ = parse_document(source, AUTHORITY, "fuzz")
    except InputError as exc:
        assert str(exc).startswith("fuzz.txt"), str(exc)
        return
    found = list(spans(doc))
    assert found, "a parsed document has at least its title and date spans"
    for span in found:
        assert 0 <= span.start <= span.end <= len(text), span
        assert text[span.start:span.end] == span.text, span
    if map_too:
        graph = map_document(doc, Minter("https://example.org/kg/"))
        out = export.serialise(graph)
        ox.parse(input=out.nquads, format=ox.RdfFormat.N_QUADS)
        json.loads(out.jsonld)


# database=None: the tests write nothing into the source tree (no .hypothesis folder).
PROPERTY = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(page_texts)
def test_parser_on_page_like_text_raises_only_input_errors_and_spans_match(text: str) -> None:
    check_parse(text)


@PROPERTY
@given(damaged_pages())
def test_parser_on_damaged_real_pages_raises_only_input_errors_and_spans_match(text: str) -> None:
    check_parse(text)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_pages())
def test_damaged_pages_map_and_serialise(text: str) -> None:
    check_parse(text, map_too=True)


# -- property-based tests of the date reader ---------------------------------------------------
@settings(max_examples=300, deadline=None, database=None)
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)),
       st.sampled_from(["{B} {d}, {Y}", "{B} {Y}", "{Y}", "  {B} {d}, {Y} "]))
def test_date_lines_read_back_with_their_span(day: date, form: str) -> None:
    line = form.format(B=day.strftime("%B"), d=day.day, Y=f"{day.year:04d}")
    found = parse_date_line(line)
    assert found is not None and found.span is not None
    assert line[found.span.start:found.span.end] == found.as_written
    assert found.begin.year == day.year and found.begin <= found.end


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS + ["31.8 17:27", "10/14/50 at 6:36 a.m.", "17.XII.1947",
                                                       "12 August", "January 31", "4th of July 1953"]),
                          st.text(CHARS, max_size=10)), max_size=12).map(" ".join),
       st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)))
def test_date_reader_never_raises_and_spans_match(text: str, context: date) -> None:
    for found in find_dates(text, context, allow_yearless_numeric=True):
        assert found.span is not None and text[found.span.start:found.span.end] == found.as_written
        assert found.begin <= found.end
    parse_date_line(text)


def test_date_reader_refuses_years_outside_the_calendar() -> None:
    for line in fuzzcorpus.EXTREME_DATE_LINES:
        parse_date_line(line)  # None or a date, never an exception
    first_date("your telegram of 5 January", date(9999, 12, 1))
