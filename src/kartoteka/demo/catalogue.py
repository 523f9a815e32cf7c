"""The fixed ingredients of the demo world: people, lists and Polish places.

Everything random in the demo is drawn from these lists with a seeded generator, so the
same seed always yields the same companies, people and addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "kartoteka-demo"  # noqa: S105 - printed at every start, on purpose
SUPPORT_TEAM = "Obsługa klienta"
SALES_TEAM = "Sprzedaż"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # a User.Role value
    team: str = ""
    supervises: str = ""


# The first three are the logins printed by ``kartoteka run``; the rest fill the teams.
DEMO_USERS = (
    DemoUser("admin", "Halina", "Wróblewska", "admin"),
    DemoUser("kierownik", "Krzysztof", "Zieliński", "manager"),
    DemoUser("agent", "Piotr", "Kowalczyk", "agent", team=SUPPORT_TEAM),
    DemoUser("marta", "Marta", "Lewandowska", "agent", team=SUPPORT_TEAM, supervises=SUPPORT_TEAM),
    DemoUser("ola", "Aleksandra", "Dąbrowska", "agent", team=SUPPORT_TEAM),
    DemoUser("tomasz", "Tomasz", "Szymański", "agent", team=SALES_TEAM, supervises=SALES_TEAM),
    DemoUser("bartek", "Bartłomiej", "Woźniak", "agent", team=SALES_TEAM),
    DemoUser("zofia", "Zofia", "Kamińska", "agent", team=SALES_TEAM),
)
PRINTED_LOGINS = ("admin", "kierownik", "agent")

SEGMENTS = ("Kluczowi klienci", "MŚP", "Administracja publiczna", "Partnerzy")

INDUSTRIES = ("Budownictwo", "Handel", "IT", "Produkcja", "Transport", "Usługi", "Energetyka")
SOURCES = ("Polecenie", "Strona internetowa", "Targi branżowe", "Telefon", "Przetarg", "LinkedIn")
VOIVODESHIPS = (
    "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie", "małopolskie",
    "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie", "śląskie",
    "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie", "zachodniopomorskie",
)  # fmt: skip
DECISION_ROLES = ("Decydent", "Wpływający", "Użytkownik", "Płatnik", "Doradca techniczny")
CALL_OUTCOMES = (
    "Zainteresowany",
    "Prośba o ofertę",
    "Umówione spotkanie",
    "Oddzwonić później",
    "Brak zainteresowania",
)

# (applies_to, name, multiple, entries)
DICTIONARIES = (
    ("account", "Branża", False, INDUSTRIES),
    ("account", "Źródło pozyskania", False, SOURCES),
    ("account", "Region", False, VOIVODESHIPS),
    ("contact", "Rola w decyzji", True, DECISION_ROLES),
    ("event", "Wynik rozmowy", False, CALL_OUTCOMES),
)


@dataclass(frozen=True)
class City:
    name: str
    locative: str  # "w Krakowie": for names such as "Urząd Miejski w …"
    postal_prefix: str  # the first two digits of its postal codes
    voivodeship: str
    area_code: str  # the two-digit landline prefix


CITIES = (
    City("Warszawa", "Warszawie", "02", "mazowieckie", "22"),
    City("Kraków", "Krakowie", "30", "małopolskie", "12"),
    City("Łódź", "Łodzi", "90", "łódzkie", "42"),
    City("Wrocław", "Wrocławiu", "50", "dolnośląskie", "71"),
    City("Poznań", "Poznaniu", "60", "wielkopolskie", "61"),
    City("Gdańsk", "Gdańsku", "80", "pomorskie", "58"),
    City("Szczecin", "Szczecinie", "70", "zachodniopomorskie", "91"),
    City("Bydgoszcz", "Bydgoszczy", "85", "kujawsko-pomorskie", "52"),
    City("Lublin", "Lublinie", "20", "lubelskie", "81"),
    City("Białystok", "Białymstoku", "15", "podlaskie", "85"),
    City("Katowice", "Katowicach", "40", "śląskie", "32"),
    City("Gdynia", "Gdyni", "81", "pomorskie", "58"),
    City("Częstochowa", "Częstochowie", "42", "śląskie", "34"),
    City("Radom", "Radomiu", "26", "mazowieckie", "48"),
    City("Toruń", "Toruniu", "87", "kujawsko-pomorskie", "56"),
    City("Rzeszów", "Rzeszowie", "35", "podkarpackie", "17"),
    City("Kielce", "Kielcach", "25", "świętokrzyskie", "41"),
    City("Gliwice", "Gliwicach", "44", "śląskie", "32"),
    City("Olsztyn", "Olsztynie", "10", "warmińsko-mazurskie", "89"),
    City("Zielona Góra", "Zielonej Górze", "65", "lubuskie", "68"),
    City("Opole", "Opolu", "45", "opolskie", "77"),
    City("Płock", "Płocku", "09", "mazowieckie", "24"),
    City("Tarnów", "Tarnowie", "33", "małopolskie", "14"),
    City("Koszalin", "Koszalinie", "75", "zachodniopomorskie", "94"),
    City("Legnica", "Legnicy", "59", "dolnośląskie", "76"),
    City("Kalisz", "Kaliszu", "62", "wielkopolskie", "62"),
    City("Słupsk", "Słupsku", "76", "pomorskie", "59"),
    City("Nowy Sącz", "Nowym Sączu", "33", "małopolskie", "18"),
    City("Elbląg", "Elblągu", "82", "warmińsko-mazurskie", "55"),
    City("Gorzów Wielkopolski", "Gorzowie Wielkopolskim", "66", "lubuskie", "95"),
)

# Words that make a company name sound like its industry.
INDUSTRY_WORDS = {
    "Budownictwo": ("Budownictwo", "Bud", "Konstrukcje", "Instalacje", "Dom"),
    "Handel": ("Handel", "Hurt", "Dystrybucja", "Trade", "Market"),
    "IT": ("Systemy", "Soft", "Informatyka", "Data", "Net"),
    "Produkcja": ("Produkcja", "Metal", "Plast", "Zakłady", "Fabryka"),
    "Transport": ("Transport", "Logistyka", "Trans", "Spedycja", "Cargo"),
    "Usługi": ("Usługi", "Serwis", "Doradztwo", "Consulting", "Biuro"),
    "Energetyka": ("Energia", "Solar", "Elektro", "Power", "Termo"),
}
LEGAL_FORMS = ("Sp. z o.o.", "Sp. z o.o.", "Sp. z o.o.", "S.A.", "Sp.j.", "Sp.k.", "s.c.")
PUBLIC_BODIES = (
    "Urząd Miejski w {city}",
    "Starostwo Powiatowe w {city}",
    "Miejskie Przedsiębiorstwo Wodociągów w {city}",
    "Szpital Specjalistyczny w {city}",
    "Zarząd Dróg Miejskich w {city}",
)

POSITIONS = (
    "Prezes Zarządu",
    "Członek Zarządu",
    "Dyrektor finansowy",
    "Dyrektor handlowy",
    "Dyrektor operacyjny",
    "Główna księgowa",
    "Kierownik zakupów",
    "Specjalista ds. zakupów",
    "Kierownik projektu",
    "Kierownik działu IT",
    "Administrator systemów",
    "Office manager",
    "Asystentka zarządu",
    "Specjalista ds. logistyki",
    "Kierownik biura",
    "Właściciel",
)
