"""A synthetic archive for the benchmark, in the layouts and genre mix of ../shared/corpus/.

The real corpus holds 44 documents; the archive holds about 16,000. This writes N documents
that look like the corpus to the parser: the date line, the title (or the older `• Citation`
layout), Soviet General Staff headers, copies lists, From/Sent/Received stamps, TO lines,
relayed telegrams quoted with their own signature and date, outgoing numbers, editorial
brackets (`Filippov [Stalin]`, `[…]`, `[trans. note--...]`), Russian originals before the
English, truncated copies (cut mid-word, no `###`, no metadata), the `###` metadata blocks
(labels with and without values) and rows of the CSV export. Names come from the authority
file kg ships (persons, places, organisations, aliases and code names) plus names it does not
know; dates, numbers and lengths vary as in the archive (telegrams short, memoranda of
conversation and reports long).

Deterministic: document i depends only on (seed, i) and the authority file, so the same N and
seed give the same bytes, and the first M documents of any archive are the M-document archive.
Layout: `pages/<block>/<i>_<slug>.txt` and `csv/export-<block>.csv`, 1,000 documents a block.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg.resources import read_text

BLOCK = 1000
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
RIGHTS = ("The History and Public Policy Program welcomes reuse of Digital Archive materials for "
          "research and educational purposes. Some documents may be subject to copyright, which is "
          "retained by the rights holders in accordance with US and international copyright laws. "
          "When possible, rights holders have been contacted for permission to reproduce their "
          "materials.\nTo enquire about this document's rights status or request permission for "
          "commercial use, please contact the History and Public Policy Program at {mail}.")
FOUNDATIONS = ["Leon Levy Foundation", "Henry Luce Foundation", "Blavatnik Family Foundation",
               "Chun & Jane Chiu Family Foundation", "MacArthur Foundation"]
TOPICS = ["Korean War, 1950-1953", "Sino-Soviet Relations", "Soviet Union--Foreign relations--China",
          "Korea (North)--Foreign relations--Soviet Union", "Armistice negotiations", "Military aid",
          "Prisoners of war", "Cold War History", "Nuclear weapons", "Economic cooperation",
          "China--Politics and government--1949-1976", "Japan--Foreign relations--Taiwan"]
ARCHIVES = [("APRF", "Archive of the President of the Russian Federation (APRF)"),
            ("AVPRF", "Foreign Policy Archive of the Russian Federation (AVPRF)"),
            ("RGASPI", "Russian State Archive of Social and Political History (RGASPI)"),
            ("MOL", "Hungarian National Archives (MOL)"),
            ("AMAE", "Archives of the Romanian Ministry of Foreign Affairs (AMAE)")]
TRANSLATORS = ["Gary Goldberg", "Sergey Radchenko", "David Wolff", "Kathryn Weathersby",
               "Balazs Szalontai", "Eliza Gheorghe"]
UNKNOWN_SURNAMES = ["Petrenko", "Lindqvist", "Okamoto", "Dubrovsky", "Halloran", "Sokolenko",
                    "Marchetti", "Vasilenko", "Tremblay", "Kuzmenko", "Haraszti", "Ionescu",
                    "Belyakov", "Szabados", "Morozyuk", "Tarasenko", "Zhdanovich", "Kalnins",
                    "Orbeliani", "Fedoruk", "Grigorescu", "Nakamura", "Ostrowski", "Radulescu",
                    "Sheremet", "Voloshin", "Kovacs", "Antonescu", "Yakubovsky", "Lebedinsky"]
UNKNOWN_TITLES = ["Comrade", "Cde.", "General", "Ambassador", "Minister", "Major General",
                  "Chairman", "Marshal", "Premier"]
TYPISTS = ["Plyvkina", "Bantsekina", "Morozova", "Sidorova", "Antonova", "Kireeva"]

# Sentences of the body: {P} a person, {Q} another, {PL} a place, {O} an organisation,
# {U} a person kg does not know, {D} a date as written in running text, {N} a number.
SENTENCES = [
    "I report that {P} received me on {D} and listened attentively to the communication.",
    "{P} stated that the situation in {PL} requires the urgent attention of {O}.",
    "In accordance with your directive I had a meeting with {P}, at which {U} was also present.",
    "The enemy continues to concentrate forces in the area of {PL} and is preparing an offensive.",
    "{P} asked me to convey to you his deep gratitude for the help rendered to {PL}.",
    "We consider it necessary to send to {PL} a group of advisers headed by {U}.",
    "The question of the delivery of {N} vehicles and equipment was discussed with {Q}.",
    "According to information received from {O}, the negotiations in {PL} have reached an impasse.",
    "{Q} expressed the opinion that it is not advisable to raise this question at present.",
    "I ask for your instructions on the question of the visit of {P} to {PL}.",
    "The delegation of {O} will arrive in {PL} on {D} by special plane.",
    "The content of the telegram caught {P} and {Q} by surprise.",
    "{P} underscored that the decision must be coordinated with {O} before {D}.",
    "In the conversation {U} informed us about the plans of {O} regarding {PL}.",
    "We agree with the plan outlined by you and the evaluation of the course of the negotiations.",
    "The firm position taken by {P} has already given positive results in {PL}.",
    "Our troops have not yet moved forward, and orders have been given to halt the crossing.",
    "{P} plans to leave {PL} for Moscow on {D} together with {Q}.",
    "I consider it advisable to arrange a special plane for transporting {P} to {PL}.",
    "The proposal about the military demarcation line was rejected by the representative of the enemy.",
    "At the meeting of {O} the report of {P} on the economic situation was approved.",
    "{P} dictated a reply telegram, the text of which is transmitted below.",
    "The Korean comrades asked us to help them develop a plan of measures on this question.",
    "The supply of {N} tons of grain to {PL} will be completed by {D}.",
    "{Q} told me that {U} had been sent to {PL} to study the situation on the spot.",
    "All this was possible to foresee, and we must prepare for a possible breakdown of the talks.",
    "I request an order regarding whether it is necessary for someone from the embassy to accompany {P}.",
    "In the opinion of {O}, the question should be decided finally by {P} and {Q} together.",
    "[Illegible] the remaining questions will be settled through the usual channels in {PL}.",
    "{P} [trans. note--the name is given in the original as an abbreviation] agreed with this.",
    "The Soviet side handed over {N} copies of the draft agreement to {Q}.",
    "{U} reported that the government of {PL} is ready to resume the talks.",
    "During the talk {P} expressed satisfaction with the swift arrival of the delegation from {PL}.",
    "The losses of the enemy in the area of {PL} during the last week amounted to {N} men.",
    "I received your telegram of {D} and have communicated its contents to {P}.",
    "{P} asked permission to write down the contents, which I dictated to him.",
    "It will be useful to the members of {O} to know the contents of this letter.",
    "We ask you to familiarize yourself with it and to indicate a time convenient for a meeting.",
    "The situation in {PL} has been studied superficially, since the materials at our disposal are limited.",
    "[…] the question of the 38th parallel was not raised again during the session.",
]
RUSSIAN = [
    "Докладываю, что встреча с {R} состоялась {RD}.",
    "Текст ответа {R} на встречу по переговорам мною дан по линии МИДа.",
    "Нужно срочно согласие Москвы.",
    "Предполагается, что делегация прибудет в составе {N} человек.",
    "Прошу указаний.",
    "Вывод всех иностранных войск в двухмесячный срок.",
    "Тов. {R} ждёт соответствующих советов товарища ФИЛИППОВА.",
    "Произвести обмен военнопленными и вернуть угнанное гражданское население.",
]


@dataclass(frozen=True)
class Person:
    label: str
    surname: str  # the short form used in running text and signatures
    code: str | None  # a code name, if the authority gives one


@dataclass(frozen=True)
class Names:
    """The names the generator draws from: the authority file's, and some it lacks."""

    persons: tuple[Person, ...]
    core: tuple[Person, ...]  # the correspondents of the corpus, drawn more often
    places: tuple[str, ...]
    cities: tuple[str, ...]
    orgs: tuple[str, ...]
    russian: tuple[str, ...]  # Cyrillic aliases
    checksum: str


CORE = ["joseph-stalin", "mao-zedong", "zhou-enlai", "kim-il-sung", "terentii-shtykov",
        "vyacheslav-molotov", "nikolai-roshchin", "andrei-vyshinsky", "andrei-gromyko",
        "ivan-kovalev", "li-kenong", "nikolai-bulganin", "georgy-malenkov", "lavrentiy-beria",
        "gao-gang", "peng-dehuai", "liu-shaoqi", "anastas-mikoyan", "fyodor-kuznetsov"]
CITIES = ["beijing", "pyongyang", "moscow", "budapest", "bucharest", "seoul", "tokyo", "harbin",
          "guangzhou", "berlin", "warsaw", "prague", "vladivostok", "shanghai", "new-delhi"]


def load_names(authority_text: str | None = None) -> Names:
    """Persons, places and organisations from the authority file kg ships (or the text given)."""
    text = authority_text if authority_text is not None else read_text("authority.tsv")
    persons: dict[str, Person] = {}
    places: dict[str, str] = {}
    orgs: list[str] = []
    russian: list[str] = []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        label = (row.get("label") or "").strip()
        if not label:
            continue
        aliases = [a.split("@", 1)[0].strip() for a in (row.get("aliases") or "").split("|")
                   if a.strip()]
        russian.extend(a for a in aliases if any("\u0400" <= c <= "\u04ff" for c in a))
        latin = [a for a in aliases if a.isascii() and "," not in a and not a.isupper()]
        if row["type"] == "person":
            codes = [c.split("=", 1)[0].strip() for c in (row.get("code_names") or "").split("|")
                     if c.strip()]
            short = min(latin, key=len) if latin else label
            persons[row["id"]] = Person(label, short, codes[0] if codes else None)
        elif row["type"] == "place":
            places[row["id"]] = label
        elif row["type"] in ("organisation", "organization") and len(label) < 60:
            orgs.append(label)
    core = tuple(persons[k] for k in CORE if k in persons)
    return Names(
        persons=tuple(persons[k] for k in sorted(persons)), core=core or tuple(persons.values()),
        places=tuple(places[k] for k in sorted(places)),
        cities=tuple(places[k] for k in CITIES if k in places) or tuple(sorted(places.values())),
        orgs=tuple(sorted(orgs)), russian=tuple(sorted(set(russian))),
        checksum=hashlib.sha256(text.encode()).hexdigest())


# -- one document ----------------------------------------------------------------------------------
@dataclass
class Doc:
    """One generated document: a page copy (`text`) or a CSV export row (`row`)."""

    index: int
    genre: str
    name: str  # file name or URL slug
    text: str = ""
    row: dict[str, str] = field(default_factory=dict)

    @property
    def is_csv(self) -> bool:
        return bool(self.row)


class _Writer:
    """Draws one document's names, dates and sentences from its own random stream."""

    def __init__(self, index: int, seed: int, names: Names) -> None:
        self.rng = random.Random(f"kg-bench:{seed}:{index}")
        self.index = index
        self.names = names
        rng = self.rng
        self.year = rng.choice([1949, 1950, 1950, 1951, 1951, 1952, 1953]) if rng.random() < .7 \
            else rng.randint(1945, 1991)
        self.month = rng.randint(1, 12)
        self.day = rng.randint(1, 28)
        self.sender = self.person(core=True)
        self.addressee = self.person(core=True, other=self.sender)
        self.city = rng.choice(names.cities)

    # names
    def person(self, core: bool = False, other: Person | None = None) -> Person:
        pool = self.names.core if core and self.rng.random() < .8 else self.names.persons
        while True:
            p = self.rng.choice(pool)
            if p != other or len(pool) < 2:
                return p

    def unknown(self) -> str:
        return f"{self.rng.choice(UNKNOWN_TITLES)} {self.rng.choice(UNKNOWN_SURNAMES)}"

    def said(self, p: Person, upper: bool = False) -> str:
        """A person as a telegram names them: surname, full name, or code name [real name]."""
        r = self.rng.random()
        if p.code and r < .5:
            name = f"{p.code.upper() if upper else p.code} [{p.surname}]"
            return name
        text = p.label if r < .75 else p.surname
        return text.upper() if upper else text

    # dates
    def date_line(self) -> str:
        day = f"{self.day:02d}" if self.rng.random() < .1 else str(self.day)
        return f"{MONTHS[self.month - 1]} {day}, {self.year}"

    def short_date(self, day: int | None = None) -> str:
        d = self.day if day is None else day
        return f"{d}.{self.month}.{self.year % 100:02d}"

    def time(self) -> str:
        return f"{self.rng.randint(0, 23)}:{self.rng.randint(0, 59):02d}"

    def running_date(self) -> str:
        d = max(1, self.day - self.rng.randint(0, 5))
        return self.rng.choice([f"{d} {MONTHS[self.month - 1]}", f"{MONTHS[self.month - 1]} {d}",
                                f"{d}.{self.month}.{self.year % 100:02d}"])

    # text
    def sentence(self) -> str:
        t = self.rng.choice(SENTENCES)
        p = self.person(core=self.rng.random() < .6)
        q = self.person(other=p)
        return t.format(P=self.said(p), Q=self.said(q), PL=self.rng.choice(self.names.places),
                        O=self.rng.choice(self.names.orgs), U=self.unknown(), D=self.running_date(),
                        N=self.rng.randint(2, 900))

    def paragraphs(self, low: int, high: int, numbered: bool = False) -> list[str]:
        out = []
        for k in range(self.rng.randint(low, high)):
            para = " ".join(self.sentence() for _ in range(self.rng.randint(1, 5)))
            out.append(f"{k + 1}. {para}" if numbered else para)
        return out

    def russian(self) -> list[str]:
        names = self.names.russian or ("КИМ ИР СЕН",)
        return [self.rng.choice(RUSSIAN).format(R=self.rng.choice(names), N=self.rng.randint(2, 9),
                                                RD=self.short_date())
                for _ in range(self.rng.randint(3, 8))]

    def relayed(self) -> list[str]:
        """A telegram quoted inside this one, with its own addressee, signature and date."""
        frm, to = self.person(core=True), self.sender
        q = self.rng.choice(['"', "“"]), self.rng.choice(['"', "”"])
        body = self.paragraphs(1, 4, numbered=self.rng.random() < .5)
        sig = f"{self.said(frm, upper=True)} {self.short_date(max(1, self.day - 1))} {self.time()}."
        intro = (f"I send you for familiarization the telegram received from Comrade {frm.label} "
                 f"on {max(1, self.day - 1)} {MONTHS[self.month - 1]} {self.time()}.")
        return [intro, f"{q[0]}To Comrade {to.label}.", *body, sig + q[1]]

    def metadata(self, kind: str) -> list[str]:
        r = self.rng
        lines = [" ".join(self.sentence() for _ in range(r.randint(1, 3)))]
        lines.append("Author(s):")
        if r.random() < .5:
            lines.append(f"{self.sender.surname}, {self.sender.label.split()[0]}")
        lines.append("Associated People & Organizations")
        if r.random() < .5:
            lines.extend(sorted({self.person().label for _ in range(r.randint(1, 4))}))
        lines.append("Associated Places")
        if r.random() < .5:
            lines.extend(sorted({r.choice(self.names.places) for _ in range(r.randint(1, 3))}))
        lines.append("Associated Topics")
        if r.random() < .5:
            lines.extend(sorted({r.choice(TOPICS) for _ in range(r.randint(1, 3))}))
        lines.append("Document Information")
        lines.append("Source")
        short, archive = r.choice(ARCHIVES)
        lines.append(f"{short}, f. {r.randint(3, 100)}, op. {r.randint(1, 15)}, d. {r.randint(1, 400)}, "
                     f"l. {r.randint(1, 200)}. Translated by {r.choice(TRANSLATORS)}.")
        if r.random() < .6:
            lines += ["Original Archive", archive]
        lines.append("Rights")
        mail = "[email protected]" if r.random() < .3 else "HAPP@wilsoncenter.org"
        lines.extend(RIGHTS.format(mail=mail).split("\n"))
        if r.random() < .6:
            lines += ["Original Uploaded Date", f"20{r.randint(10, 23)}-{r.randint(1, 12):02d}-"
                      f"{r.randint(1, 28):02d}", "Type", kind, "Language"]
            if r.random() < .5:
                lines.append(r.choice(["Russian", "Chinese", "Korean", "Hungarian", "Romanian"]))
            lines += ["Record ID", str(110000 + self.index)]
        return lines


def _ciphered_gs(w: _Writer) -> tuple[str, list[str], str]:
    """Ciphered telegram with the Soviet General Staff header (as 000)."""
    r, no = w.rng, w.rng.randint(1000, 99999)
    copies = ", ".join(f"{p.surname} ({r.randint(2, 3)})" if r.random() < .2 else p.surname
                       for p in dict.fromkeys(w.person(core=True) for _ in range(r.randint(2, 6))))
    title = f"Ciphered Telegram No. {no}, {w.sender.label} to Cde. {w.said(w.addressee)}"
    text = ["SECOND MAIN ADMINISTRATION OF THE GENERAL STAFF OF THE SOVIET ARMY",
            f"CIPHERED TELEGRAM No. {no}", f"Copies: {copies}", f"From {w.city.upper()}",
            f"Received {w.time()} {w.day}.{w.month}.{w.year}", 'SERIES "G” T',
            f"TO {w.said(w.addressee, upper=True)}", f"Comrade {w.addressee.surname.upper()}!"]
    if r.random() < .6:
        text += w.relayed()
    text += w.paragraphs(1, 5)
    text += [w.sender.label.upper(), f"No. {r.randint(100, 9999)}", w.short_date()]
    return title, text, "Telegram"


def _ciphered_stamps(w: _Writer) -> tuple[str, list[str], str]:
    """Ciphered telegram with Sent/Received/Deciphered stamps and a distribution list (as 019)."""
    r = w.rng
    no = f"{r.randint(100000, 999999)}/sh"
    dist = ", ".join(f"{p.surname} - {r.randint(1, 2)}" for p in
                     dict.fromkeys(w.person(core=True) for _ in range(r.randint(3, 7))))
    stamp = f"{w.month}/{w.day}/{w.year % 100:02d}"
    title = f"Ciphered Telegram, {w.sender.surname} to {w.said(w.addressee)}"
    text = [f"Ciphered Telegram # {no}", f"FROM: {w.city.upper()}",
            f"Sent by wire on {stamp} at {w.time()} a.m.",
            f"Received in Moscow on {stamp} at {w.time()} a.m.",
            f"Deciphered by {r.choice(TYPISTS)[:-1]} on {stamp} at {w.time()} a.m.",
            f"Distribution list - {r.randint(5, 12)} copies: {dist}.",
            w.said(w.addressee, upper=True)]
    text += w.paragraphs(2, 6)
    text += [" ".join(w.sender.surname.upper()), f"No. {r.randint(100, 2000)}/sh",
             f"{w.day} {MONTHS[w.month - 1]} {w.year}",
             f"Typed by {r.choice(TYPISTS)} on {stamp} at {w.time()} p.m."]
    return title, text, "Telegram"


def _ciphered_plain(w: _Writer) -> tuple[str, list[str], str]:
    """Ciphered telegram: classification, TO line, a relayed quote, outgoing number (012, 023)."""
    r, no = w.rng, w.rng.randint(100, 99999)
    title = f"Ciphered Telegram No. {no}, {w.sender.surname} to {w.said(w.addressee)}"
    text = ["[...]"] if r.random() < .3 else []
    text += [f"CIPHERED TELEGRAM No. {no}", r.choice(["Top Secret", "TOP PRIORITY", "SPECIAL"]),
             f"{w.city.upper()}--", f"TO {w.addressee.surname.upper()}"]
    if r.random() < .5:
        relay = w.person(core=True)
        text += [f"Transmit the following answer to {relay.label.upper()}.",
                 f"“Comrade {relay.label.upper()}.", *w.paragraphs(1, 4),
                 f"With greetings. {w.said(w.sender, upper=True)}.”"]
    else:
        text += w.paragraphs(2, 6)
        text += [w.said(w.sender)]
    text += ["Confirm receipt.", f"No. {r.randint(10, 999)}/III", f"{w.day} {MONTHS[w.month - 1]} {w.year}."]
    if r.random() < .4:
        text.append(f"{r.choice(['Two', 'Three', 'Four'])} copies printed. Nº 2 to file.")
    return title, text, "Telegram"


def _cable(w: _Writer) -> tuple[str, list[str], str]:
    """An outgoing cable relaying a message, with the copies typed (as 016)."""
    r, no = w.rng, w.rng.randint(1000, 9999)
    relay = w.person(core=True)
    title = f"Cable No. {no} from {w.said(w.sender)} to Cde. {w.addressee.label}"
    text = ["COPY OF AN OUTGOING TELEGRAM                               TOP SECRET",
            f"CABLE Nº {no}", f"received at {r.randint(0, 23):02d}{r.randint(0, 59):02d} {w.day} "
            f"{MONTHS[w.month - 1]}", f"sent at {r.randint(0, 23):02d}{r.randint(0, 59):02d} {w.day} "
            f"{MONTHS[w.month - 1]}", f"{w.city.upper()}", f"to {w.addressee.surname.upper()}",
            f"Pass the following to Cde. {relay.label.upper()}:",
            f"“To Cde. {relay.label.upper()}. {w.sentence()}", *w.paragraphs(1, 3),
            f"{(w.sender.code or w.sender.surname).upper()}”", "Telegraph when this is done.",
            "Three copies made", f"copies NºNº 1-2 to Cde. {w.person(core=True).surname}",
            f"copy Nº 3 – to Cde. {w.person(core=True).surname}", f"Typed by {r.choice(TYPISTS)}",
            f"at {r.randint(0, 23):02d}{r.randint(0, 59):02d} {w.day} {MONTHS[w.month - 1]}",
            f"Nº {r.randint(1000, 9999)}"]
    return title, text, "Telegram"


def _telegram(w: _Writer) -> tuple[str, list[str], str]:
    """A short telegram: From, To, body, dated signature (as 028)."""
    title = f"Telegram, {w.sender.surname} to {w.addressee.surname}"
    text = ["Ciphered Telegram.", "Strictly secret.", f"From {w.city}.", f"To {w.addressee.surname}."]
    text += w.paragraphs(2, 6)
    text.append(f"{w.day}.{ROMAN[w.month - 1]}.{w.year % 100:02d} {w.sender.surname}")
    return title, text, "Telegram"


def _embassy(w: _Writer) -> tuple[str, list[str], str]:
    """An embassy telegram to its foreign ministry, with a credit line (as 048, 050)."""
    r = w.rng
    country = r.choice(["Hungary", "Romania", "Poland", "the GDR", "Czechoslovakia"])
    host = r.choice(["the Soviet Union", "North Korea", "China", "Mongolia"])
    title = f"Telegram, Embassy of {country} in {host} to the Foreign Ministry"
    text = [f"This document was made possible with support from {r.choice(FOUNDATIONS)}", "[...]"]
    text += w.paragraphs(3, 9)
    text.append(f"– {r.choice(UNKNOWN_SURNAMES)} – {r.randint(100, 999)} –")
    return title, text, "Telegram"


def _citation(w: _Writer, kind: str) -> tuple[str, list[str], str]:
    """The older page layout: `• Citation`, the summary, the quoted citation (as 037, 056)."""
    r = w.rng
    if kind == "memcon":
        cite = (f"From the Diary of {w.sender.label}: Memorandum of Conversation with "
                f"{w.addressee.label} on {w.day} {MONTHS[w.month - 1]} {w.year}")
        head = [f"From the Diary of {w.sender.label.upper()}",
                f"Top Secret, Copy {r.randint(1, 6)}, {w.day} {MONTHS[w.month - 1]} {w.year}, "
                f"No.{r.randint(10, 400)}", "Memorandum of Conversation",
                f"with {w.addressee.label.upper()} on", f"{w.day} {MONTHS[w.month - 1]} {w.year}"]
        body = w.paragraphs(6, 18)
        typ = "Memorandum of Conversation"
    else:
        cite = f"Cable, {w.sender.surname} to {w.addressee.surname} [via {w.person().surname}]"
        head = [f"To Comrade {w.addressee.label}"]
        body = w.paragraphs(2, 6)
        typ = "Telegram"
    short, _ = r.choice(ARCHIVES)
    lines = ["  • Citation", "    get citation", "    " + " ".join(w.sentence() for _ in range(2)),
             f'    "{cite}," {w.date_line()}, History and Public Policy Program Digital Archive, '
             f"{short}, f. {r.randint(3, 100)}, op. {r.randint(1, 42)}, d. {r.randint(1, 400)}, "
             f"ll. {r.randint(1, 90)}-{r.randint(91, 200)}. Translated for CWIHP by {r.choice(TRANSLATORS)}.",
             "  • share document", "English HTML", *head, *body]
    if r.random() < .3:
        lines.insert(0, f"This document was made possible with support from the {r.choice(FOUNDATIONS)}")
    return "", lines, typ


def _russian(w: _Writer) -> tuple[str, list[str], str]:
    """The Russian original before the English translation (as 018)."""
    r, no = w.rng, w.rng.randint(100000, 999999)
    title = f"Ciphered Telegram No. {no}, {w.sender.surname} to {w.addressee.surname}"
    text = w.russian()
    text += [f"From Correspondent {r.randint(2, 40)} Sent {w.short_date()} {w.time()}",
             f"Received {w.short_date()} {w.time()}",
             f"Dispatched to 8th Administration of the General Staff of the Soviet Army {w.short_date()} "
             f"{w.time()}", "By telegram", "Extremely urgent", "I report:"]
    text += w.paragraphs(2, 5, numbered=True)
    text += [f"{w.sender.surname.upper()}", f"No. {r.randint(100, 9999)}"]
    return title, text, "Telegram"


def _report(w: _Writer) -> tuple[str, list[str], str]:
    """A report, telephone message or hand-delivered note (as 033, 049, 054)."""
    r = w.rng
    kind = r.choice(["Report", "Telephone Message via VCh", "Hand delivered note", "Letter"])
    title = f"{kind}, {w.sender.label} to {w.said(w.addressee)}"
    text = [f"To Comrade {w.addressee.surname.upper()}, {w.addressee.label.split()[0][0]}.",
            "I send you a Russian translation of a telegram I received from comrade "
            f"{w.person(core=True).label}."]
    text += w.paragraphs(4, 14)
    text += ["With communist greetings.", f"{w.sender.label}.", f"{w.day} {MONTHS[w.month - 1]} {w.year}."]
    return title, text, "Report" if kind == "Report" else "Letter"


PAGE_GENRES = [  # (weight, genre, writer)
    (22, "ciphered-telegram", _ciphered_gs), (12, "ciphered-telegram-stamps", _ciphered_stamps),
    (14, "ciphered-telegram-plain", _ciphered_plain), (10, "cable", _cable),
    (10, "telegram", _telegram), (10, "embassy-telegram", _embassy),
    (7, "memcon-citation", lambda w: _citation(w, "memcon")),
    (5, "cable-citation", lambda w: _citation(w, "cable")), (6, "russian-original", _russian),
    (4, "report", _report),
]
CSV_SHARE = 0.2
TRUNCATED_SHARE = 0.2

CSV_COLUMNS = ["document_url", "page_number", "page_number_one_indexed", "page_position",
               "original_publication_date", "title", "credits", "text_body", "summary", "authors",
               "associated_places", "subjects_discussed", "associated_people_orgs",
               "document_contributors", "source", "original_upload_date", "original_archive_title",
               "language", "rights", "record_id", "original_classification", "donors", "scraped_at"]


def make_document(index: int, seed: int, names: Names) -> Doc:
    """Document `index` of the archive made from `seed` (independent of every other one)."""
    w = _Writer(index, seed, names)
    r = w.rng
    if r.random() < CSV_SHARE:
        return _csv_row(w)
    weights = [g[0] for g in PAGE_GENRES]
    _, genre, writer = r.choices(PAGE_GENRES, weights=weights)[0]
    title, body, kind = writer(w)
    lines = [w.date_line()]
    if title:
        lines.append(title)
        if r.random() < .25 and not body[0].startswith("This document"):
            lines.append(f"This document was made possible with support from {r.choice(FOUNDATIONS)}")
    lines += body
    truncated = r.random() < TRUNCATED_SHARE
    if truncated:
        text = "\n".join(lines)
        cut = min(len(text) - 1, r.randint(1600, 2100))
        text = text[:cut].rstrip()
        genre += "-truncated"
    else:
        text = "\n".join(lines + ["###", *w.metadata(kind)])
        if r.random() < .15:  # some copies end mid-line in the rights text
            text = text[:len(text) - r.randint(5, 120)]
        else:
            text += "\n"
    slug = "-".join(x for x in (genre.split("-")[0], w.sender.surname, w.addressee.surname,
                                f"{w.year}-{w.month:02d}-{w.day:02d}") if x)
    slug = "".join(c if c.isalnum() or c == "-" else "-" for c in slug.lower())
    return Doc(index, genre, f"{index:05d}_{slug}.txt", text=text)


def _csv_row(w: _Writer) -> Doc:
    r = w.rng
    kind = r.choice(["Letter", "Memorandum of Conversation", "Report", "Record of Conversation",
                     "Minutes"])
    title = (f"{kind}, {w.sender.label} to {w.addressee.label}" if kind in ("Letter", "Report")
             else f"{kind} between {w.sender.label} and {w.addressee.label}")
    body = [r.choice(["Secret.", "Top Secret", "Strictly confidential"]),
            f"{w.city}, {w.day} {MONTHS[w.month - 1]}, {w.year}."]
    if kind == "Letter":
        body.append(f"Dear {w.addressee.surname},")
    body += w.paragraphs(4, 16, numbered=r.random() < .4)
    if kind == "Letter":
        body += ["Yours sincerely,", w.sender.label]
    slug = f"{kind.split()[0].lower()}-{w.sender.surname}-{w.addressee.surname}-{w.index}".lower()
    slug = "".join(c if c.isalnum() or c == "-" else "-" for c in slug)
    short, archive = r.choice(ARCHIVES)
    row = {
        "document_url": f"https://digitalarchive.wilsoncenter.org/document/{slug}",
        "page_number": "0", "page_number_one_indexed": "1", "page_position": str(w.index % 20 + 1),
        "original_publication_date": f"{MONTHS[w.month - 1]} {w.day}, {w.year}", "title": title,
        "credits": f"This document was made possible with support from {r.choice(FOUNDATIONS)}"
        if r.random() < .5 else "",
        "text_body": "\n".join(body), "summary": " ".join(w.sentence() for _ in range(r.randint(1, 3))),
        "authors": json.dumps([f"{w.sender.surname}, {w.sender.label.split()[0]}"]),
        "associated_places": json.dumps(sorted({r.choice(w.names.places) for _ in range(3)})),
        "subjects_discussed": json.dumps(sorted({r.choice(TOPICS) for _ in range(r.randint(1, 4))})),
        "associated_people_orgs": json.dumps(sorted({w.person().label for _ in range(r.randint(0, 4))})),
        "document_contributors": "",
        "source": f"{short}, f. {r.randint(3, 100)}, op. {r.randint(1, 15)}, d. {r.randint(1, 400)}.",
        "original_upload_date": f"20{r.randint(10, 23)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        "original_archive_title": json.dumps([archive]), "language": json.dumps(["English"]),
        "rights": RIGHTS.format(mail="HAPP@wilsoncenter.org").split("\n")[0],
        "record_id": str(300000 + w.index), "original_classification": body[0].rstrip("."),
        "donors": "", "scraped_at": f"2025-10-07T12:{w.index // 60 % 60:02d}:{w.index % 60:02d}.000000",
    }
    return Doc(w.index, "csv-row", slug, row=row)


# -- the archive ---------------------------------------------------------------------------------
@dataclass
class Archive:
    """What `generate` wrote."""

    root: Path
    documents: int
    pages: int
    csv_rows: int
    bytes: int
    genres: dict[str, int]
    authority_sha256: str
    seed: int

    def page_paths(self) -> list[Path]:
        return sorted((self.root / "pages").rglob("*.txt"))


def generate(root: Path, n: int, seed: int = 7, names: Names | None = None) -> Archive:
    """Write documents 0..n-1 of the archive made from `seed` under `root` (which must be new)."""
    names = names or load_names()
    root.mkdir(parents=True)
    genres: Counter[str] = Counter()
    pages = rows = size = 0
    for block_start in range(0, n, BLOCK):
        block = block_start // BLOCK
        csv_rows = []
        for i in range(block_start, min(n, block_start + BLOCK)):
            doc = make_document(i, seed, names)
            genres[doc.genre] += 1
            if doc.is_csv:
                csv_rows.append(doc.row)
                continue
            folder = root / "pages" / f"{block:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            data = doc.text.encode("utf-8")
            (folder / doc.name).write_bytes(data)
            pages += 1
            size += len(data)
        if csv_rows:
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(csv_rows)
            data = buf.getvalue().encode("utf-8")
            (root / "csv").mkdir(exist_ok=True)
            (root / "csv" / f"export-{block:03d}.csv").write_bytes(data)
            rows += len(csv_rows)
            size += len(data)
    return Archive(root, n, pages, rows, size, dict(sorted(genres.items())), names.checksum, seed)


def edit_one(archive: Archive) -> Path:
    """Correct one page copy in the middle of the archive, as a curator would; return its path.

    A sentence is added at the end of its body (before `###` when there is one).
    """
    pages = archive.page_paths()
    path = pages[len(pages) // 2]
    text = path.read_text(encoding="utf-8")
    fix = "[Editor's correction: the date of receipt is given in the original as illegible.]"
    cut = text.find("\n###\n")
    text = text + "\n" + fix if cut < 0 else text[:cut] + "\n" + fix + text[cut:]
    path.write_text(text, encoding="utf-8")
    return path
