"""The demo knowledge base's categories and articles: the help desk of a company that sells
label printers, barcode scanners, payment terminals, ERP and warehouse software, consumables,
pallets and air-conditioning service. Plain data; ``demo.kb`` writes it."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = (
    ("faktury", "Faktury i płatności", "Korekty, duplikaty, dane do faktury, terminy płatności."),
    ("konto", "Konto i logowanie", "Panel klienta, hasła, uprawnienia użytkowników."),
    ("zamowienia", "Zamówienia i dostawy", "Status zamówienia, terminy, przesyłki."),
    ("reklamacje", "Reklamacje i zwroty", "Uszkodzone przesyłki, zwroty, niezgodności."),
    ("urzadzenia", "Drukarki, czytniki i terminale", "Konfiguracja i typowe usterki."),
    ("oprogramowanie", "Oprogramowanie ERP i magazynowe", "Licencje, aktualizacje, błędy."),
    ("serwis", "Serwis i gwarancja", "Naprawy, przeglądy, gwarancja, umowy serwisowe."),
)


@dataclass(frozen=True)
class DemoArticle:
    key: str
    category: str
    title: str
    body: str
    tags: str = ""
    visibility: str = "public"  # internal, portal or public
    status: str = "published"
    earlier_body: str = ""  # a first version, changed since (the article has a history)


ARTICLES = (
    DemoArticle(
        "korekta",
        "faktury",
        "Jak zamówić fakturę korygującą",
        """Fakturę korygującą wystawiamy, gdy na fakturze jest błędna **cena, ilość, stawka VAT**
albo towar został zwrócony.

1. Napisz do nas z numerem faktury (np. FV/123/2026) i opisem, co trzeba poprawić.
2. Przy zwrocie podaj numer zamówienia i numer dokumentu WZ.
3. Korektę wysyłamy w ciągu 3 dni roboczych na adres e-mail do faktur.

Korekta danych nabywcy (nazwa, adres, NIP) to osobny przypadek — zobacz artykuł o zmianie
danych do faktury.""",
        tags="faktura, korekta, VAT",
        earlier_body="Fakturę korygującą wystawiamy na prośbę klienta. Napisz do nas z numerem "
        "faktury.",
    ),
    DemoArticle(
        "duplikat",
        "faktury",
        "Duplikat zagubionej faktury",
        """Jeśli faktura zaginęła albo nie dotarła, wystawimy **duplikat**. Wystarczy podać
numer faktury lub miesiąc i kwotę. Duplikat ma tę samą treść i numer co oryginał oraz
oznaczenie „DUPLIKAT” z datą wystawienia.

Wszystkie faktury z ostatnich 24 miesięcy pobierzesz też sam w panelu klienta, w zakładce
*Dokumenty › Faktury*, jako PDF.""",
        tags="faktura, duplikat, PDF",
    ),
    DemoArticle(
        "dane-faktury",
        "faktury",
        "Zmiana danych do faktury (nazwa, adres, NIP)",
        """Nowe dane do faktur (po zmianie nazwy firmy, adresu siedziby albo formy prawnej)
prześlij mailem wraz z aktualnym wypisem z KRS lub CEIDG. Zmiany wprowadzamy od następnej
faktury.

Faktury wystawione wcześniej z błędnym NIP-em poprawiamy notą korygującą lub fakturą
korygującą — NIP nabywcy musi zgadzać się z rejestrem, inaczej faktura nie przejdzie przez
KSeF.""",
        tags="NIP, adres, KRS, KSeF",
    ),
    DemoArticle(
        "terminy-platnosci",
        "faktury",
        "Terminy płatności i przypomnienia o zaległościach",
        """Standardowy termin płatności to **14 dni** od daty wystawienia faktury; klienci z umową
ramową mają 30 dni. Trzy dni po terminie wysyłamy przypomnienie, po 14 dniach wstrzymujemy
wysyłkę kolejnych zamówień.

Jeśli płatność została już zrobiona, odpisz na przypomnienie z potwierdzeniem przelewu —
wyjaśnimy to z księgowością. Numer konta jest zawsze na fakturze; nigdy nie zmieniamy go
mailem.""",
        tags="płatność, przelew, zaległość",
    ),
    DemoArticle(
        "split-payment",
        "faktury",
        "Mechanizm podzielonej płatności — wewnętrzna instrukcja",
        """Faktury powyżej 15 000 zł brutto za towary z załącznika 15 (m.in. elektronika)
oznaczamy dopiskiem *mechanizm podzielonej płatności*. Przed wysyłką sprawdź w ERP, czy pole
MPP jest zaznaczone. Gdy klient zapłacił zwykłym przelewem, nie wystawiaj korekty — zgłoś
sprawę do księgowości (Anna, wew. 214).""",
        tags="MPP, VAT, księgowość",
        visibility="internal",
    ),
    DemoArticle(
        "reset-hasla",
        "konto",
        "Nie pamiętam hasła do panelu klienta",
        """Na stronie logowania kliknij **„Nie pamiętam hasła”** i podaj adres e-mail konta.
Link do ustawienia nowego hasła jest ważny 60 minut. Jeśli wiadomość nie przyszła,
sprawdź folder spam i czy adres jest ten sam, którego używasz w zamówieniach.

Po pięciu błędnych próbach logowania konto blokuje się na 15 minut.""",
        tags="hasło, logowanie, panel klienta",
        earlier_body="Kliknij „Nie pamiętam hasła” na stronie logowania.",
    ),
    DemoArticle(
        "blokada-konta",
        "konto",
        "Konto zablokowane lub brak dostępu do panelu klienta",
        """Brak dostępu do panelu zwykle ma jedną z trzech przyczyn:

- konto zablokowane po kilku błędnych hasłach — odczekaj 15 minut albo ustaw nowe hasło,
- użytkownik został wyłączony przez administratora po stronie Twojej firmy,
- przeglądarka blokuje ciasteczka — panel ich wymaga do zalogowania.

Jeśli nic nie pomaga, napisz do nas z adresem e-mail konta; odblokujemy je ręcznie.""",
        tags="logowanie, blokada, dostęp",
    ),
    DemoArticle(
        "nowy-uzytkownik",
        "konto",
        "Dodanie kolejnego użytkownika w panelu klienta",
        """Administrator konta firmy dodaje nowych użytkowników w *Ustawienia › Użytkownicy*.
Każdy użytkownik loguje się własnym adresem e-mail i może mieć rolę **zamawiającego** lub
**tylko do odczytu** (podgląd faktur i zamówień). Nowa osoba dostaje mail z zaproszeniem
ważnym 7 dni.""",
        tags="użytkownik, uprawnienia, panel klienta",
        visibility="portal",
    ),
    DemoArticle(
        "dwuetapowe",
        "konto",
        "Logowanie dwuetapowe (kod z aplikacji)",
        """Dla bezpieczeństwa możesz włączyć logowanie dwuetapowe w *Ustawienia › Bezpieczeństwo*.
Zeskanuj kod QR aplikacją (np. Google Authenticator, Microsoft Authenticator) i zapisz kody
zapasowe. Po zmianie telefonu użyj kodu zapasowego, a potem zeskanuj kod ponownie.""",
        tags="2FA, bezpieczeństwo, logowanie",
        visibility="portal",
    ),
    DemoArticle(
        "status-zamowienia",
        "zamowienia",
        "Gdzie jest moje zamówienie — status i termin realizacji",
        """Status każdego zamówienia (ZAM/…) widać w panelu klienta: *przyjęte*, *w kompletacji*,
*wysłane*, *dostarczone*. Po wysłaniu pojawia się numer listu przewozowego z linkiem do
śledzenia przesyłki.

Towar z magazynu wysyłamy w 1–2 dni robocze; urządzenia sprowadzane na zamówienie mają
termin podany w potwierdzeniu zamówienia.""",
        tags="zamówienie, termin, śledzenie",
    ),
    DemoArticle(
        "zmiana-zamowienia",
        "zamowienia",
        "Zmiana lub anulowanie złożonego zamówienia",
        """Zamówienie można zmienić lub anulować, dopóki ma status *przyjęte*. Napisz do nas z
numerem ZAM i opisem zmiany (ilość, adres dostawy, pozycje). Gdy zamówienie jest już w
kompletacji lub wysłane, anulowanie jest możliwe tylko jako zwrot towaru.""",
        tags="zamówienie, anulowanie, zmiana",
    ),
    DemoArticle(
        "dostawa-palety",
        "zamowienia",
        "Dostawy na paletach i awizacja",
        """Większe zamówienia (np. palety EUR, materiały eksploatacyjne w kartonach zbiorczych)
dostarcza przewoźnik paletowy. Kierowca dzwoni dzień wcześniej z **awizacją**. Rozładunek
wymaga wózka paletowego po stronie odbiorcy. Jeśli magazyn ma okna dostaw, podaj je w uwagach
do zamówienia.""",
        tags="paleta, awizacja, dostawa",
    ),
    DemoArticle(
        "uszkodzona-przesylka",
        "reklamacje",
        "Uszkodzona przesyłka — co zrobić przy odbiorze",
        """Jeśli karton lub paleta są uszkodzone, **sprawdź zawartość przy kurierze** i spisz
protokół szkody. Zrób zdjęcia opakowania i towaru. Zgłoś reklamację w ciągu 7 dni, podając
numer listu przewozowego i zdjęcia. Nie wyrzucaj opakowania do zakończenia reklamacji.""",
        tags="reklamacja, kurier, protokół szkody",
    ),
    DemoArticle(
        "zwrot-towaru",
        "reklamacje",
        "Zwrot towaru bez wad",
        """Towar magazynowy w nienaruszonym opakowaniu przyjmujemy z powrotem w ciągu 14 dni od
dostawy. Zgłoś zwrot z numerem zamówienia — odeślemy etykietę zwrotną. Pieniądze (lub
korektę faktury) dostaniesz po przyjęciu towaru na magazyn. Licencji oprogramowania i
towaru na zamówienie nie przyjmujemy.""",
        tags="zwrot, zamówienie, korekta",
    ),
    DemoArticle(
        "niezgodnosc-dostawy",
        "reklamacje",
        "Niezgodna ilość lub pozycje w dostawie (WZ)",
        """Gdy w dostawie brakuje towaru albo przyszły inne pozycje niż na dokumencie WZ, zgłoś
to w ciągu 3 dni roboczych: numer WZ, czego brakuje, zdjęcie etykiety kartonu. Braki
dosyłamy bez kosztów, nadwyżki odbiera kurier.""",
        tags="WZ, braki, dostawa",
    ),
    DemoArticle(
        "reklamacje-procedura",
        "reklamacje",
        "Obsługa reklamacji — kroki dla zespołu",
        """1. Sprawdź, czy zgłoszenie ma numer zamówienia, WZ lub faktury.
2. Uszkodzenie w transporcie: poproś o protokół szkody i zdjęcia, założ szkodę u przewoźnika.
3. Wada towaru: przekaż do serwisu, ustal wymianę lub naprawę.
4. Odpowiedź do klienta w ciągu 2 dni roboczych, decyzja w ciągu 14 dni.""",
        tags="reklamacja, procedura",
        visibility="internal",
    ),
    DemoArticle(
        "drukarka-glowica",
        "urzadzenia",
        "Drukarka etykiet drukuje blado lub z pustymi paskami",
        """Blady wydruk albo białe pionowe paski to najczęściej **brudna głowica drukująca**.

1. Wyłącz drukarkę i odczekaj, aż głowica ostygnie.
2. Przetrzyj głowicę pisakiem czyszczącym lub wacikiem z alkoholem izopropylowym.
3. Sprawdź, czy taśma barwiąca pasuje do rodzaju etykiet (wosk, wosk-żywica, żywica).
4. Zwiększ ciemność druku (darkness) w sterowniku o 2–3 stopnie.

Jeśli paski zostają po czyszczeniu, głowica może być uszkodzona — zgłoś serwis.""",
        tags="drukarka etykiet, głowica, taśma",
        earlier_body="Wyczyść głowicę drukującą alkoholem izopropylowym.",
    ),
    DemoArticle(
        "drukarka-kalibracja",
        "urzadzenia",
        "Drukarka etykiet przesuwa etykiety lub drukuje poza polem",
        """Gdy nadruk „ucieka” poza etykietę albo drukarka wysuwa kilka pustych etykiet, wykonaj
**kalibrację czujnika nośnika**: przytrzymaj przycisk FEED, aż dioda mignie dwa razy, i
puść. Drukarka przewinie kilka etykiet i zapamięta przerwę między nimi. Po zmianie rodzaju
etykiet kalibrację trzeba powtórzyć.""",
        tags="drukarka etykiet, kalibracja, czujnik",
    ),
    DemoArticle(
        "czytnik-konfiguracja",
        "urzadzenia",
        "Czytnik kodów kreskowych nie wpisuje kodu lub dodaje złe znaki",
        """Czytnik działa jak klawiatura. Jeśli zamiast cyfr pojawiają się inne znaki, zmień
**układ klawiatury** czytnika na polski programistyczny — zeskanuj kod konfiguracyjny z
instrukcji. Gdy po kodzie nie ma Entera, zeskanuj kod „Add suffix CR”. Czytnik bezprzewodowy
musi być sparowany z bazą: zeskanuj kod parowania na spodzie stacji.""",
        tags="czytnik kodów, konfiguracja, klawiatura",
    ),
    DemoArticle(
        "terminal-platnosci",
        "urzadzenia",
        "Terminal płatniczy nie łączy się lub odrzuca transakcje",
        """Sprawdź najpierw połączenie: terminal na karcie SIM potrzebuje zasięgu, a na Wi-Fi —
hasła sieci po jej zmianie. Komunikat *BRAK POŁĄCZENIA Z HOSTEM* usuwa zwykle restart
terminala. Odrzucone transakcje z kodem 05 to decyzja banku klienta, nie usterka. Zamknij
dzień (raport dobowy) przed 23:00, inaczej rano terminal zablokuje płatności.""",
        tags="terminal płatniczy, transakcja, połączenie",
    ),
    DemoArticle(
        "terminal-papier",
        "urzadzenia",
        "Wymiana rolki papieru w terminalu",
        """Terminal używa rolek termicznych 57 mm. Otwórz klapkę, włóż rolkę tak, by papier
wychodził od spodu, i zamknij klapkę, zostawiając kawałek papieru na zewnątrz. Rolki zamówisz
w panelu klienta w dziale *Materiały eksploatacyjne*.""",
        tags="terminal płatniczy, papier, rolka",
        visibility="portal",
    ),
    DemoArticle(
        "licencja-erp",
        "oprogramowanie",
        "Aktywacja i przeniesienie licencji ERP",
        """Licencję aktywujesz kluczem z maila po zakupie: *Pomoc › Licencja › Aktywuj*. Przy
zmianie serwera najpierw **dezaktywuj licencję** na starym komputerze, potem aktywuj na
nowym. Jeśli stary serwer uległ awarii, napisz do nas z numerem licencji — zwolnimy ją
ręcznie. Liczba stanowisk wynika z umowy; dokupienie stanowisk to aneks do umowy.""",
        tags="ERP, licencja, aktywacja",
    ),
    DemoArticle(
        "aktualizacja-erp",
        "oprogramowanie",
        "Aktualizacja systemu ERP i kopia bazy danych",
        """Przed każdą aktualizacją zrób **kopię bazy danych** (Administracja › Kopia). Aktualizację
uruchamiaj poza godzinami pracy, gdy nikt nie jest zalogowany. Po aktualizacji stanowiska
same pobiorą nową wersję przy starcie. Komunikat „niezgodna wersja bazy” oznacza, że
aktualizacja serwera się nie zakończyła — uruchom ją ponownie.""",
        tags="ERP, aktualizacja, kopia zapasowa",
    ),
    DemoArticle(
        "inwentaryzacja",
        "oprogramowanie",
        "Inwentaryzacja w oprogramowaniu magazynowym",
        """Inwentaryzację zakładasz w module magazynowym: *Dokumenty › Inwentaryzacja › Nowa*.
Stany liczysz kolektorem lub czytnikiem kodów; arkusze z różnicami zatwierdza kierownik
magazynu. Do czasu zatwierdzenia blokowane są wydania z inwentaryzowanych lokalizacji.""",
        tags="magazyn, inwentaryzacja, kolektor",
        visibility="portal",
    ),
    DemoArticle(
        "ksef",
        "oprogramowanie",
        "Wysyłka faktur do KSeF z systemu ERP",
        """Faktury trafiają do Krajowego Systemu e-Faktur automatycznie po zatwierdzeniu. Status
*odrzucona* oznacza zwykle błędny NIP nabywcy lub brak uprawnień tokenu KSeF. Token
wygenerujesz w aplikacji podatnika i wpiszesz w *Ustawienia › KSeF*. Numer KSeF pojawia się
na fakturze po przyjęciu.""",
        tags="KSeF, e-faktura, token",
        status="draft",
        visibility="portal",
    ),
    DemoArticle(
        "gwarancja",
        "serwis",
        "Gwarancja na urządzenia i jej przedłużenie",
        """Drukarki, czytniki i terminale mają **24 miesiące gwarancji** od daty sprzedaży.
Gwarancję można przedłużyć o 12 lub 24 miesiące, dokupując pakiet przed jej końcem. Numer
seryjny i datę końca gwarancji sprawdzisz w panelu klienta przy urządzeniu. Gwarancja nie
obejmuje głowic drukujących zużytych ponad normę producenta.""",
        tags="gwarancja, przedłużenie, numer seryjny",
    ),
    DemoArticle(
        "zgloszenie-serwisowe",
        "serwis",
        "Zgłoszenie urządzenia do naprawy serwisowej",
        """Zgłoszenie serwisowe wyślij z numerem seryjnym, opisem usterki i adresem odbioru.
Kurier odbierze urządzenie w ciągu 2 dni roboczych; zapakuj je w oryginalny karton lub
solidne opakowanie. Diagnoza trwa do 5 dni; naprawy pogwarancyjne wyceniamy przed
wykonaniem. Na czas naprawy możemy wypożyczyć urządzenie zastępcze.""",
        tags="serwis, naprawa, kurier",
    ),
    DemoArticle(
        "klimatyzacja-przeglad",
        "serwis",
        "Przegląd klimatyzacji — jak się przygotować",
        """Przegląd klimatyzacji obejmuje czyszczenie filtrów i wymiennika, odgrzybianie i kontrolę
szczelności. Zapewnij dostęp do jednostek wewnętrznych i zewnętrznej oraz miejsce na drabinę.
Przegląd jednego urządzenia trwa około godziny. Termin ustalamy telefonicznie; przy umowie
serwisowej przeglądy są dwa razy w roku.""",
        tags="klimatyzacja, przegląd, serwis",
    ),
    DemoArticle(
        "umowa-serwisowa",
        "serwis",
        "Warunki umowy serwisowej",
        """Umowa serwisowa obejmuje przeglądy okresowe, priorytetową naprawę (czas reakcji 8 godzin
roboczych) i urządzenie zastępcze. Umowę zawieramy na 12 miesięcy z automatycznym
przedłużeniem; wypowiedzenie na miesiąc przed końcem okresu. Cennik zależy od liczby
urządzeń.""",
        tags="umowa serwisowa, SLA, cennik",
        visibility="portal",
    ),
    DemoArticle(
        "klimatyzacja-awaria",
        "serwis",
        "Klimatyzacja nie chłodzi lub cieknie woda",
        """Sprawdź, czy pilot jest w trybie chłodzenia (płatek śniegu) i czy filtry nie są
zatkane kurzem. Woda kapiąca z jednostki wewnętrznej to zwykle **zatkany odpływ skroplin**.
Jeśli urządzenie pokazuje kod błędu (np. E1, P4), podaj go w zgłoszeniu — technik przyjedzie
z właściwymi częściami. Wcześniejsze wersje tej instrukcji radziły zdejmować obudowę: nie
rób tego sam.""",
        tags="klimatyzacja, awaria, skropliny",
        status="archived",
    ),
)
