"""Nordic people, places and organisation names for the demo (all fictional).

Every e-mail domain ends in ``.example`` (reserved by RFC 2606), so no demo address can ever
reach a real inbox, whatever a later feature sends.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    currency: str
    time_zone: str
    # Share of demo persons and organisations in this country.
    weight: float
    # Multiplier from a NOK list price to a local price.
    price_factor: float
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[str, ...]
    org_stems: tuple[str, ...]
    mail_providers: tuple[str, ...]


NORWAY = Country(
    code="NO",
    currency="NOK",
    time_zone="Europe/Oslo",
    weight=0.5,
    price_factor=1.0,
    first_names=(
        "Kari", "Ola", "Ingrid", "Håkon", "Solveig", "Bjørn", "Åse", "Jørgen", "Siri", "Torbjørn",
        "Marit", "Øystein", "Ragnhild", "Eirik", "Synnøve", "Sindre", "Tone", "Ståle", "Hege", "Geir",
        "Liv", "Trond", "Randi", "Vegard", "Nora", "Magnus", "Ida", "Sigurd", "Åshild", "Knut",
        "Guro", "Halvor", "Bodil", "Jon", "Kristin", "Pål", "Ellinor", "Tor", "Vilde", "Espen",
    ),
    last_names=(
        "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
        "Jensen", "Karlsen", "Haugen", "Bakken", "Solberg", "Strand", "Eriksen", "Berg", "Dahl",
        "Lunde", "Halvorsen", "Sæther", "Løken", "Nygård", "Bråthen", "Søreide", "Kvåle", "Fjeld",
        "Mæland", "Rønning", "Tveit", "Aasen", "Brekke", "Hovland", "Skjærvø", "Øverland", "Lie",
    ),
    cities=(
        "Oslo", "Bergen", "Trondheim", "Stavanger", "Drammen", "Fredrikstad", "Kristiansand", "Tromsø",
        "Sandnes", "Ålesund", "Bodø", "Lillehammer", "Hamar", "Tønsberg", "Moss", "Gjøvik", "Bærum",
        "Lillestrøm", "Molde", "Haugesund",
    ),
    org_stems=(
        "Fjordheim", "Nordlia", "Vestkant", "Bjørkeli", "Fjellro", "Elvebakken", "Solberg", "Havgløtt",
        "Skoglund", "Tindved", "Furuset", "Kystlinje", "Vikane", "Askeladden", "Høgåsen", "Lyngmo",
        "Granly", "Sjøsiden", "Bergtun", "Storlia", "Åsheim", "Brattørkaia",
    ),
    mail_providers=("nettpost.example", "fjordmail.example", "epost-norge.example"),
)

SWEDEN = Country(
    code="SE",
    currency="SEK",
    time_zone="Europe/Stockholm",
    weight=0.3,
    price_factor=1.0,
    first_names=(
        "Anna", "Erik", "Maja", "Lars", "Åsa", "Björn", "Karin", "Göran", "Linnéa", "Måns",
        "Elsa", "Johan", "Ebba", "Anders", "Märta", "Olof", "Sofia", "Nils", "Ingela", "Stefan",
        "Frida", "Per", "Agneta", "Henrik", "Astrid", "Mikael", "Ulla", "Jöns", "Sigrid", "Oskar",
    ),
    last_names=(
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
        "Svensson", "Gustafsson", "Lindqvist", "Bergström", "Åberg", "Sjöberg", "Ekström", "Lindström",
        "Öberg", "Holmqvist", "Hägglund", "Forsberg", "Wallin", "Sandström", "Lundgren", "Björk",
        "Nordström", "Åkesson", "Engström", "Löfgren",
    ),
    cities=(
        "Stockholm", "Göteborg", "Malmö", "Uppsala", "Västerås", "Örebro", "Linköping", "Helsingborg",
        "Jönköping", "Norrköping", "Lund", "Umeå", "Gävle", "Borås", "Södertälje", "Växjö", "Luleå",
        "Östersund",
    ),
    org_stems=(
        "Björkhagen", "Sjöviken", "Ekbacken", "Lindö", "Åsen", "Granlund", "Hjortö", "Stensjö",
        "Solhöjden", "Tallbacken", "Ängsbacka", "Strömsborg", "Kvarnholmen", "Lövnäs", "Norrgården",
        "Älvkullen", "Bergslagen", "Östanå",
    ),
    mail_providers=("brevladan.example", "posten-mail.example", "svenskpost.example"),
)

DENMARK = Country(
    code="DK",
    currency="DKK",
    time_zone="Europe/Copenhagen",
    weight=0.2,
    price_factor=0.65,
    first_names=(
        "Mette", "Søren", "Anne", "Jens", "Birgitte", "Mads", "Louise", "Rasmus", "Signe", "Jørgen",
        "Camilla", "Niels", "Lærke", "Bo", "Freja", "Thomas", "Hanne", "Kasper", "Ditte", "Frederik",
        "Sørine", "Anders", "Maja", "Mikkel", "Tove", "Æbbe",
    ),
    last_names=(
        "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen",
        "Møller", "Mortensen", "Østergaard", "Bøgh", "Kjær", "Lauridsen", "Dalsgaard", "Brøndum",
    ),
    cities=(
        "København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Randers", "Kolding", "Horsens",
        "Vejle", "Roskilde", "Herning", "Helsingør", "Silkeborg", "Næstved", "Fredericia", "Køge",
    ),
    org_stems=(
        "Skovly", "Strandgården", "Bøgely", "Egebjerg", "Havkær", "Søholm", "Lyngbakken", "Fjordgården",
        "Kildevang", "Rosenhøj", "Engholm", "Bakkegården", "Østervang", "Møllehøj", "Klitgården",
    ),
    mail_providers=("postkassen.example", "netmail-dk.example", "danpost.example"),
)

COUNTRIES = (NORWAY, SWEDEN, DENMARK)
COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}

# (industry, name templates per country, share of organisations). ``{stem}`` / ``{city}`` are filled in.
ORG_KINDS: tuple[tuple[str, dict[str, str], float], ...] = (
    ("Housing cooperative", {"NO": "{stem} Borettslag", "SE": "Brf {stem}", "DK": "A/B {stem}"}, 0.22),
    ("Property management", {"NO": "{stem} Eiendom AS", "SE": "{stem} Fastigheter AB", "DK": "{stem} Ejendomme A/S"},
     0.18),
    ("Hotel", {"NO": "{stem} Hotell AS", "SE": "Hotell {stem} AB", "DK": "Hotel {stem} ApS"}, 0.08),
    ("Agriculture", {"NO": "{stem} Gård", "SE": "{stem} Gård AB", "DK": "{stem} Landbrug I/S"}, 0.08),
    ("Retail", {"NO": "{stem} Handel AS", "SE": "{stem} Handel AB", "DK": "{stem} Handel A/S"}, 0.1),
    ("Manufacturing", {"NO": "{stem} Mekaniske AS", "SE": "{stem} Industri AB", "DK": "{stem} Maskinfabrik A/S"},
     0.1),
    ("Public sector", {"NO": "{city} kommune", "SE": "{city} kommun", "DK": "{city} Kommune"}, 0.06),
    ("Installer", {"NO": "{stem} Rør & Varme AS", "SE": "{stem} VVS & Energi AB", "DK": "{stem} VVS ApS"}, 0.18),
)

INSTALLER = "Installer"

TITLES_BY_INDUSTRY: dict[str, tuple[tuple[str, str], ...]] = {
    # (title, department)
    "Housing cooperative": (("Board chair", "Board"), ("Board member", "Board"), ("Caretaker", "Operations")),
    "Property management": (
        ("Property manager", "Property"), ("Technical manager", "Technical"), ("CFO", "Finance"),
        ("Energy advisor", "Technical"),
    ),
    "Hotel": (("General manager", "Management"), ("Facility manager", "Operations"), ("Purchasing manager", "Finance")),
    "Agriculture": (("Owner", "Management"), ("Farm manager", "Operations")),
    "Retail": (("Store manager", "Operations"), ("Facility manager", "Operations"), ("CFO", "Finance")),
    "Manufacturing": (
        ("Plant manager", "Production"), ("Energy manager", "Technical"), ("Purchasing manager", "Purchasing"),
        ("CEO", "Management"),
    ),
    "Public sector": (("Energy advisor", "Property services"), ("Procurement officer", "Procurement"),
                      ("Head of property", "Property services")),
    "Installer": (("Managing director", "Management"), ("Installer", "Field service"), ("Sales lead", "Sales")),
}

DECISION_TITLES = frozenset({
    "Board chair", "CFO", "General manager", "Owner", "CEO", "Head of property", "Managing director", "Plant manager",
})

PERSONAS = (
    "Energy-conscious homeowner",
    "Cabin owner",
    "Cost-driven homeowner",
    "Housing cooperative board",
    "Property manager",
    "Commercial facility manager",
    "Installer partner",
)

RELATIONSHIP_CATEGORIES = ("Best friend", "Guru–disciple", "One-night stand", "Stranger", "Loyal regular")

HEATING_TODAY = ("Oil boiler", "Electric radiators", "District heating", "Wood stove", "Old heat pump", "Gas boiler")
ROOF_FACING = ("South", "South-west", "South-east", "East-west", "Flat roof")
