"""The demo contacts' salutations, as a user would write them down: in the vocative.

A canned response opens with ``{salutation}`` ("Szanowny Panie Janie,"); the product never
makes a vocative from a first name (no rule gets every Polish name right), so the demo holds
them written out, one per first name its contacts may have (the Polish first names the demo's
people are drawn from, and a few common ones more). A contact whose first name is not here
keeps an empty salutation, and its canned responses greet neutrally ("Dzień dobry,").
"""

from __future__ import annotations

from kartoteka.customers.models import Contact

MEN = {
    "Adam": "Adamie", "Adrian": "Adrianie", "Alan": "Alanie", "Albert": "Albercie",
    "Aleks": "Aleksie", "Aleksander": "Aleksandrze", "Alex": "Alexie", "Andrzej": "Andrzeju",
    "Antoni": "Antoni", "Arkadiusz": "Arkadiuszu", "Artur": "Arturze", "Bartek": "Bartku",
    "Bartłomiej": "Bartłomieju", "Błażej": "Błażeju", "Borys": "Borysie", "Bruno": "Bruno",
    "Cezary": "Cezary", "Cyprian": "Cyprianie", "Damian": "Damianie", "Daniel": "Danielu",
    "Dariusz": "Dariuszu", "Dawid": "Dawidzie", "Dominik": "Dominiku", "Emil": "Emilu",
    "Ernest": "Erneście", "Eryk": "Eryku", "Fabian": "Fabianie", "Filip": "Filipie",
    "Franciszek": "Franciszku", "Fryderyk": "Fryderyku", "Gabriel": "Gabrielu",
    "Grzegorz": "Grzegorzu", "Gustaw": "Gustawie", "Hubert": "Hubercie", "Ignacy": "Ignacy",
    "Igor": "Igorze", "Iwo": "Iwo", "Jacek": "Jacku", "Jakub": "Jakubie", "Jan": "Janie",
    "Jarosław": "Jarosławie", "Jędrzej": "Jędrzeju", "Jeremi": "Jeremi", "Jerzy": "Jerzy",
    "Józef": "Józefie", "Julian": "Julianie", "Juliusz": "Juliuszu", "Kacper": "Kacprze",
    "Kajetan": "Kajetanie", "Kamil": "Kamilu", "Karol": "Karolu", "Kazimierz": "Kazimierzu",
    "Konrad": "Konradzie", "Konstanty": "Konstanty", "Kornel": "Kornelu",
    "Krystian": "Krystianie", "Krzysztof": "Krzysztofie", "Ksawery": "Ksawery",
    "Leon": "Leonie", "Leonard": "Leonardzie", "Łukasz": "Łukaszu", "Maciej": "Macieju",
    "Maks": "Maksie", "Maksymilian": "Maksymilianie", "Marcel": "Marcelu",
    "Marcin": "Marcinie", "Marek": "Marku", "Mariusz": "Mariuszu", "Mateusz": "Mateuszu",
    "Maurycy": "Maurycy", "Michał": "Michale", "Mieszko": "Mieszku", "Mikołaj": "Mikołaju",
    "Miłosz": "Miłoszu", "Natan": "Natanie", "Nataniel": "Natanielu", "Nikodem": "Nikodemie",
    "Norbert": "Norbercie", "Olaf": "Olafie", "Olgierd": "Olgierdzie", "Oliwier": "Oliwierze",
    "Oskar": "Oskarze", "Patryk": "Patryku", "Paweł": "Pawle", "Piotr": "Piotrze",
    "Przemysław": "Przemysławie", "Radosław": "Radosławie", "Rafał": "Rafale",
    "Robert": "Robercie", "Ryszard": "Ryszardzie", "Sebastian": "Sebastianie",
    "Stanisław": "Stanisławie", "Stefan": "Stefanie", "Szymon": "Szymonie",
    "Tadeusz": "Tadeuszu", "Tobiasz": "Tobiaszu", "Tomasz": "Tomaszu", "Tymon": "Tymonie",
    "Tymoteusz": "Tymoteuszu", "Wiktor": "Wiktorze", "Witold": "Witoldzie",
    "Wojciech": "Wojciechu", "Zbigniew": "Zbigniewie",
}  # fmt: skip

WOMEN = {
    "Ada": "Ado", "Adrianna": "Adrianno", "Agnieszka": "Agnieszko", "Aleksandra": "Aleksandro",
    "Anastazja": "Anastazjo", "Aniela": "Anielo", "Angelika": "Angeliko", "Anita": "Anito",
    "Anna": "Anno", "Anna Maria": "Anno Mario", "Apolonia": "Apolonio", "Aurelia": "Aurelio",
    "Barbara": "Barbaro", "Beata": "Beato", "Bianka": "Bianko", "Blanka": "Blanko",
    "Dagmara": "Dagmaro", "Dorota": "Doroto", "Eliza": "Elizo", "Elżbieta": "Elżbieto",
    "Ewa": "Ewo", "Ewelina": "Ewelino", "Gaja": "Gaju", "Ida": "Ido", "Inga": "Ingo",
    "Iwona": "Iwono", "Janina": "Janino", "Joanna": "Joanno", "Julianna": "Julianno",
    "Julita": "Julito", "Justyna": "Justyno", "Kaja": "Kaju", "Kalina": "Kalino",
    "Kamila": "Kamilo", "Karina": "Karino", "Katarzyna": "Katarzyno", "Klara": "Klaro",
    "Kornelia": "Kornelio", "Krystyna": "Krystyno", "Lidia": "Lidio", "Liwia": "Liwio",
    "Magdalena": "Magdaleno", "Małgorzata": "Małgorzato", "Malwina": "Malwino",
    "Marcelina": "Marcelino", "Maria": "Mario", "Marianna": "Marianno", "Marika": "Mariko",
    "Marta": "Marto", "Melania": "Melanio", "Monika": "Moniko", "Natalia": "Natalio",
    "Natasza": "Nataszo", "Nela": "Nelu", "Nicole": "Nicole", "Olga": "Olgo",
    "Roksana": "Roksano", "Rozalia": "Rozalio", "Róża": "Różo", "Sandra": "Sandro",
    "Sara": "Saro", "Sonia": "Soniu", "Sylwia": "Sylwio", "Tola": "Tolu",
    "Urszula": "Urszulo", "Zofia": "Zofio",
}  # fmt: skip


def salutation_of(first_name: str) -> str:
    """The demo's salutation of a person called ``first_name`` ("" when not in the lists)."""
    name = first_name.strip()
    if name in MEN:
        return f"Szanowny Panie {MEN[name]}"
    if name in WOMEN:
        return f"Szanowna Pani {WOMEN[name]}"
    return ""


def demo_salutations() -> int:
    """Write down the salutation of every demo contact without one whose first name the
    lists know; how many were written."""
    written = []
    for contact in Contact.objects.filter(salutation="").only("pk", "first_name"):
        salutation = salutation_of(contact.first_name)
        if salutation:
            contact.salutation = salutation
            written.append(contact)
    Contact.objects.bulk_update(written, ["salutation"], batch_size=500)
    return len(written)
