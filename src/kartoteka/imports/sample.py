"""The sample file a new user imports from the empty import page ("Try the sample").

A Windows-1250 CSV with a semicolon, as Polish Excel saves it: believable Polish firms with
valid NIPs and REGONs (their check digits computed with python-stdnum), Polish letters in
names and streets, some with a contact person; two rows repeat the NIP of an account already
in the database (the demo's, when it is loaded) and one repeats a row of the file itself, and
three rows carry errors (a wrong NIP check digit, an email address without a domain, no name)
— so that every step of an import shows something.
"""

from __future__ import annotations

import csv
import io
import random

from stdnum.pl import nip as stdnum_nip
from stdnum.pl import regon as stdnum_regon

from kartoteka.customers.models import Account

SAMPLE_NAME = "przyklad-import-cp1250.csv"
HEADERS = [
    "Rodzaj",
    "Nazwa",
    "Nazwa skrócona",
    "NIP",
    "REGON",
    "Ulica",
    "Kod pocztowy",
    "Miejscowość",
    "Telefon",
    "E-mail",
    "Imię",
    "Nazwisko",
    "Stanowisko",
    "E-mail osoby",
]
FIRMS = [
    ("Przedsiębiorstwo Handlowe Żuraw", "Żuraw", "ul. Świętokrzyska 12", "00-116", "Warszawa"),
    ("Łódzka Fabryka Nici Sp. z o.o.", "ŁFN", "ul. Piotrkowska 210", "90-369", "Łódź"),
    ("Gdańskie Stocznie Jachtowe S.A.", "GSJ", "ul. Wały Piastowskie 1", "80-855", "Gdańsk"),
    ("Zakład Stolarski Bąk i Syn", "Bąk", "ul. Źródlana 4", "30-698", "Kraków"),
    ("Pszczelarstwo Miodek Sp.j.", "Miodek", "ul. Łąkowa 8", "85-001", "Bydgoszcz"),
    ("Ślusarnia Kowalczyk", "", "ul. Żelazna 33", "40-851", "Katowice"),
    ("Biuro Rachunkowe Rachmistrz", "Rachmistrz", "al. Grunwaldzka 45", "60-783", "Poznań"),
    ("Drukarnia Gęś", "Gęś", "ul. Ogrodowa 17", "20-075", "Lublin"),
    ("Hurtownia Owoców Jabłuszko", "Jabłuszko", "ul. Sadowa 3", "15-620", "Białystok"),
    ("Transport Ciężarowy Wróbel", "Wróbel", "ul. Spółdzielcza 9", "25-366", "Kielce"),
    ("Pracownia Ceramiki Glinianka", "", "ul. Garncarska 2", "50-320", "Wrocław"),
    ("Apteka Pod Złotym Moździerzem", "Moździerz", "Rynek 14", "45-015", "Opole"),
    ("Szkoła Językowa Lingwa", "Lingwa", "ul. Kościuszki 61", "70-440", "Szczecin"),
    ("Piekarnia Złoty Kłos", "Kłos", "ul. Chlebowa 5", "10-437", "Olsztyn"),
    ("Agencja Reklamowa Świetlik", "Świetlik", "ul. Neonowa 11", "35-060", "Rzeszów"),
    ("Usługi Informatyczne Bajt", "Bajt", "ul. Krzemowa 7", "65-001", "Zielona Góra"),
]
PEOPLE = [
    ("Zofia", "Wiśniewska", "prezes"),
    ("Łukasz", "Dąbrowski", "kierownik zakupów"),
    ("Małgorzata", "Żółkiewska", "księgowa"),
    ("Grzegorz", "Kaczmarczyk", "właściciel"),
]


def _nip(rng: random.Random) -> str:
    """A NIP whose check digit python-stdnum accepts."""
    while True:
        body = f"{rng.randint(1, 9)}{rng.randint(0, 99_999_999):08d}"
        for check in "0123456789":
            if stdnum_nip.is_valid(body + check):
                return body + check


def _regon(rng: random.Random) -> str:
    body = f"{rng.randint(10_000_000, 99_999_999)}"
    return body + stdnum_regon.calc_check_digit(body)


def sample_rows() -> list[list[str]]:
    """The sample's rows (headers first), the same every time but for the duplicates, which
    take the NIPs of the first accounts in the database."""
    rng = random.Random(20_261_206)  # noqa: S311 - sample data
    rows = [HEADERS]
    for index, (name, short, street, postal, city) in enumerate(FIRMS):
        nip = _nip(rng)
        formatted = f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}" if index % 3 == 0 else nip
        slug = short.lower().translate(str.maketrans("ąćęłńóśźż", "acelnoszz")) or f"firma{index}"
        person = PEOPLE[index % len(PEOPLE)] if index % 4 == 0 else ("", "", "")
        rows.append(
            [
                "lead" if index % 5 == 4 else "klient",
                name,
                short,
                formatted,
                _regon(rng),
                street,
                postal,
                city,
                f"+48 {rng.randint(500, 899)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                f"biuro@{slug}.pl",
                person[0],
                person[1],
                person[2],
                f"{slug}.{person[1].lower()[:3] or 'x'}@{slug}.pl" if person[1] else "",
            ]
        )
    # Errors: a wrong NIP check digit, an address without a domain, no name.
    bad_nip = _nip(rng)
    bad_nip = bad_nip[:-1] + str((int(bad_nip[-1]) + 1) % 10)
    rows.append(
        [
            "klient",
            "Kwiaciarnia Róża",
            "",
            bad_nip,
            "",
            "ul. Kwiatowa 1",
            "00-001",
            "Warszawa",
            "",
            "kwiaty@",
            "",
            "",
            "",
            "",
        ]
    )
    rows.append(
        [
            "klient",
            "Firma Krzak",
            "",
            _nip(rng),
            "",
            "ul. Leśna 2",
            "00-002",
            "Radom",
            "",
            "krzak@",
            "",
            "",
            "",
            "",
        ]
    )
    rows.append(
        [
            "lead",
            "",
            "",
            _nip(rng),
            "",
            "ul. Bezimienna 3",
            "00-003",
            "Płock",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    # A row repeating an earlier row's NIP (a branch of the same company).
    branch = list(rows[2])
    branch[1] = "Łódzka Fabryka Nici — oddział Pabianice"
    branch[4] = ""
    branch[9] = "pabianice@lfn.pl"
    branch[13] = ""
    branch[10:13] = ["", "", ""]
    rows.append(branch)
    # Rows repeating accounts already in the database.
    for account in Account.objects.exclude(nip="").order_by("pk")[:2]:
        rows.append(
            [
                "klient",
                account.name,
                "",
                account.nip,
                "",
                account.street,
                account.postal_code,
                account.city,
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    return rows


def sample_csv() -> bytes:
    """The sample as Windows-1250 bytes with semicolons and CRLF line ends."""
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(sample_rows())
    return text.getvalue().encode("cp1250", errors="replace")
