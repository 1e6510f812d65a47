"""The date reader on every written form seen in the corpus, and its invariants."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.dates import find_dates, first_date, parse_date_line

CTX = date(1951, 8, 13)


@pytest.mark.parametrize(("text", "iso", "written"), [
    ("Received 17:20 13.8.1951", "1951-08-13T17:20", "17:20 13.8.1951"),
    ("the telegram received from Comrade Li Kenong on 12 August 4:00.", "1951-08-12T04:00",
     "12 August 4:00"),
    ('LI KENONG 12.8.51 4:00."', "1951-08-12T04:00", "12.8.51 4:00"),
    ("the telegram of 17.7.51 about", "1951-07-17", "17.7.51"),
    ("Received in Moscow on 10/14/50 at 6:36 a.m.", "1950-10-14T06:36", "10/14/50 at 6:36 a.m."),
    ("Sent on 09/29/50 at 20:23 p.m.", "1950-09-29T20:23", "09/29/50 at 20:23 p.m."),
    ("17.XII.1947", "1947-12-17", "17.XII.1947"),
    ("Received; 19:20 on 4 July 1953", "1953-07-04T19:20", "19:20 on 4 July 1953"),
    ("Sent 22:03 16.2.51", "1951-02-16T22:03", "22:03 16.2.51"),
    ("Received 1.7.51 7:16", "1951-07-01T07:16", "1.7.51 7:16"),
    ("12 October 1950.", "1950-10-12", "12 October 1950"),
])
def test_written_forms(text: str, iso: str, written: str) -> None:
    found = first_date(text, CTX, allow_yearless_numeric=True)
    assert found is not None
    assert (found.iso, found.as_written) == (iso, written)
    assert found.span is not None and text[found.span.start:found.span.end] == written


def test_day_month_without_year_takes_the_documents_year() -> None:
    found = first_date("Received 31.8 17:27", date(1950, 8, 31), allow_yearless_numeric=True)
    assert found is not None and found.iso == "1950-08-31T17:27"


def test_yearless_date_late_in_year_belongs_to_previous_year() -> None:
    found = first_date("your telegram of 30 December", date(1951, 1, 5))
    assert found is not None and found.iso == "1950-12-30"


def test_bare_numbers_are_not_dates_outside_stamps() -> None:
    assert list(find_dates("secure 3-5 years and 3.5 times", CTX)) == []


def test_precision_sets_the_interval() -> None:
    day = parse_date_line("August 13, 1951")
    assert day is not None and day.precision == "day"
    assert (day.begin, day.end) == (datetime(1951, 8, 13), datetime(1951, 8, 13, 23, 59, 59))
    month = parse_date_line("July 1948")
    assert month is not None and month.precision == "month" and month.end.day == 31
    year = parse_date_line("1950")
    assert year is not None and year.precision == "year" and year.end.month == 12


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
       st.sampled_from(["{d}.{m}.{Y}", "{d} {B} {Y}", "{B} {d}, {Y}", "{m}/{d}/{Y}"]))
def test_any_full_date_reads_back(day: date, form: str) -> None:
    text = form.format(d=day.day, m=day.month, Y=day.year, B=day.strftime("%B"))
    found = first_date(f"on {text} we met", CTX)
    assert found is not None and found.begin.date() == day and found.precision == "day"


@given(st.text(max_size=200))
def test_reader_never_crashes_and_spans_match(text: str) -> None:
    for found in find_dates(text, CTX, allow_yearless_numeric=True):
        assert found.begin <= found.end
        assert found.span is not None and text[found.span.start:found.span.end] == found.as_written
