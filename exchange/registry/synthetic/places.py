"""Belgian municipalities with their post codes and languages, and street names in each language.
Brussels is bilingual: its places and streets carry a French and a Dutch name, and an institution abroad
may use either."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    post_code: str
    city: str  # the name in the place's (first) language
    language: str  # nl, fr, de, or bi for bilingual Brussels
    other_name: str | None = None  # the Dutch name of a Brussels municipality
    weight: int = 1  # rough relative population


PLACES: tuple[Place, ...] = (
    Place("1000", "Bruxelles", "bi", "Brussel", 8),
    Place("1030", "Schaerbeek", "bi", "Schaarbeek", 5),
    Place("1050", "Ixelles", "bi", "Elsene", 4),
    Place("1080", "Molenbeek-Saint-Jean", "bi", "Sint-Jans-Molenbeek", 4),
    Place("1180", "Uccle", "bi", "Ukkel", 3),
    Place("1200", "Woluwe-Saint-Lambert", "bi", "Sint-Lambrechts-Woluwe", 2),
    Place("1070", "Anderlecht", "bi", "Anderlecht", 5),
    Place("2000", "Antwerpen", "nl", None, 10),
    Place("2018", "Antwerpen", "nl", None, 4),
    Place("2800", "Mechelen", "nl", None, 4),
    Place("2300", "Turnhout", "nl", None, 2),
    Place("9000", "Gent", "nl", None, 8),
    Place("9300", "Aalst", "nl", None, 3),
    Place("9100", "Sint-Niklaas", "nl", None, 3),
    Place("3000", "Leuven", "nl", None, 4),
    Place("3500", "Hasselt", "nl", None, 3),
    Place("3600", "Genk", "nl", None, 3),
    Place("8000", "Brugge", "nl", None, 4),
    Place("8400", "Oostende", "nl", None, 3),
    Place("8500", "Kortrijk", "nl", None, 3),
    Place("1800", "Vilvoorde", "nl", None, 2),
    Place("2600", "Berchem", "nl", None, 2),
    Place("4000", "Liège", "fr", None, 7),
    Place("4800", "Verviers", "fr", None, 2),
    Place("5000", "Namur", "fr", None, 4),
    Place("6000", "Charleroi", "fr", None, 7),
    Place("7000", "Mons", "fr", None, 3),
    Place("7500", "Tournai", "fr", None, 2),
    Place("1300", "Wavre", "fr", None, 2),
    Place("1348", "Louvain-la-Neuve", "fr", None, 1),
    Place("1400", "Nivelles", "fr", None, 1),
    Place("6700", "Arlon", "fr", None, 1),
    Place("4700", "Eupen", "de", None, 1),
    Place("4780", "Sankt Vith", "de", None, 1),
)

# (French, Dutch) pairs: Brussels streets are signposted in both.
BRUSSELS_STREETS: tuple[tuple[str, str], ...] = (
    ("Rue de la Loi", "Wetstraat"),
    ("Chaussée de Waterloo", "Waterloosesteenweg"),
    ("Rue Haute", "Hoogstraat"),
    ("Avenue Louise", "Louizalaan"),
    ("Rue de la Station", "Stationsstraat"),
    ("Rue de l'Église", "Kerkstraat"),
    ("Rue du Moulin", "Molenstraat"),
    ("Boulevard Anspach", "Anspachlaan"),
    ("Chaussée de Gand", "Gentsesteenweg"),
    ("Rue des Tanneurs", "Huidevettersstraat"),
    ("Avenue de la Couronne", "Kroonlaan"),
    ("Rue du Marché", "Marktstraat"),
)
STREETS: dict[str, tuple[str, ...]] = {
    "nl": ("Kerkstraat", "Stationsstraat", "Dorpsstraat", "Molenstraat", "Nieuwstraat", "Schoolstraat",
           "Kapelstraat", "Beekstraat", "Veldstraat", "Hoogstraat", "Kouter", "Grote Markt", "Lindenlaan",
           "Kastanjelaan", "Processiestraat", "Brugsesteenweg", "Leopoldlaan", "Koning Albertlaan",
           "Sint-Jansstraat", "Meersstraat"),
    "fr": ("Rue de la Station", "Rue de l'Église", "Rue du Moulin", "Chaussée de Bruxelles", "Rue Haute",
           "Place Communale", "Rue des Écoles", "Rue du Centre", "Rue de la Gare", "Avenue des Tilleuls",
           "Rue Saint-Gilles", "Rue de Fragnée", "Boulevard Tirou", "Rue Léopold", "Rue des Prés"),
    "de": ("Kirchstraße", "Bahnhofstraße", "Hauptstraße", "Neustraße", "Schulstraße", "Aachener Straße",
           "Klosterstraße", "Gospertstraße"),
}  # fmt: skip
