"""Given and family names in the styles met in Benelux registries: Flemish and Dutch, Walloon and French,
East-Belgian German, Luxembourgish, and the Mediterranean names of Belgium's larger communities (whose
many spellings are a classic source of mismatches). Made-up mixes, not real people."""

from __future__ import annotations

from dataclasses import dataclass


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list of names (some have spaces: De Smet, El Amrani)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


@dataclass(frozen=True, slots=True)
class NameStyle:
    name: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]


# Flemish and Walloon family names are often a particle and a place or trade: built from parts so that a
# large registry gets the spread of real ones (thousands of names), not a few dozen.
_FLEMISH_ROOTS = _names(
    "Acker, Bossche, Broeck, Velde, Damme, Putte, Hoecke, Steen, Berghe, Wyngaerde, Kerckhove, Poel, "
    "Meulen, Linden, Leemput, Eynde, Heede, Hove, Bruggen, Walle, Vijver, Casteele, Moortel, Goethem, "
    "Laere, Mol, Rompaey, Hecke, Daele, Looveren, Haute, Cauwenberghe, Straeten, Sande, Wiele, "
    "Bulcke, Dorpe, Neste, Schoor, Kerkhof"
)
_WALLOON_ROOTS = _names(
    "Bois, Pont, Mont, Champ, Fosse, Moulin, Marais, Chêne, Four, Rieux, Sart, Thier, Pré, Bosquet, "
    "Vivier, Jardin, Ruisseau, Fays, Tige, Hautmont"
)


def _compound(particles: tuple[str, ...], roots: tuple[str, ...], joined: bool) -> tuple[str, ...]:
    names = [f"{particle} {root}" for particle in particles for root in roots]
    if joined:  # Belgian registers often write the particle as one word with the root: Vandenbossche
        names += [f"{particle}{root.lower()}".replace(" ", "") for particle in particles for root in roots]
    return tuple(names)


FLEMISH = NameStyle(
    "flemish",
    _names(
        "Jan, Pieter, Koen, Bart, Tom, Wim, Luc, Marc, Dirk, Geert, Joris, Stijn, Thomas, Lars, "
        "Ruben, Jeroen, Maarten, Bram, Kristof, Wouter, Jef, Lode, Gert, Sven, Jens, Bert, Frank, "
        "Rik, Guido, Hendrik, Willem, Pieterjan, Seppe, Arne, Wannes, Robbe"
    ),
    _names(
        "Lotte, Emma, Sofie, Anneleen, Els, Inge, Katrien, Lien, Hanne, Griet, An, Liesbeth, Ilse, "
        "Veerle, Nele, Evi, Fien, Saar, Mila, Lisa, Marleen, Hilde, Greet, Kaat, Annelies, Jolien, "
        "Elke, Leen, Tine, Ann-Sofie"
    ),
    (
        *_names(
            "Peeters, Janssens, Maes, Jacobs, Mertens, Willems, Claes, Goossens, Wouters, De Smet, "
            "Vermeulen, Van den Broeck, Hermans, Aerts, Van de Velde, Verhoeven, De Vos, Pauwels, "
            "Desmet, Bogaert, De Clercq, Vandenberghe, Van Damme, Smets, Cools, Vercammen, "
            "Lambrechts, Martens, Coppens, Michiels, Van Dyck, Stevens, Verstraete, Declercq, De "
            "Backer, Van Acker, Vanhoutte, D'Hondt, Verbeke, Baert, Vandamme, De Wilde, Daems, Van "
            "Hoof, Geerts, Dierckx, Van Looy, Wuyts, Heylen, Thys, Verlinden, Cuypers, Nijs, Segers, "
            "Vanderstraeten, Buyse, Vervoort, Huybrechts, Van Gucht, Schepers"
        ),
        *_compound(("Van", "Van de", "Van den", "Vander", "De"), _FLEMISH_ROOTS, joined=True),
    ),
)

DUTCH = NameStyle(
    "dutch",
    _names(
        "Daan, Sem, Lucas, Bram, Sander, Niels, Joost, Thijs, Jeroen, Koen, Ruud, Henk, Gerrit, Kees, "
        "Wouter, Jasper, Martijn, Floris, Hidde, Teun"
    ),
    _names(
        "Femke, Sanne, Anouk, Lieke, Marieke, Ingrid, Annemiek, Fleur, Sophie, Eline, Iris, Noor, "
        "Tess, Roos, Esther, Mirjam, Wilma, Joke, Ineke, Maaike"
    ),
    _names(
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Visser, Smit, Meijer, de Boer, "
        "Mulder, de Groot, Bos, Vos, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit, Dijkstra, de "
        "Graaf, van der Meer, van der Linden, Kok, de Haan, van den Heuvel, van der Veen, van den "
        "Bosch, van Dam, Prins, Huisman, Kuipers, Schouten, van Beek, IJzerman, van Wijk, Bijl, "
        "Koster, Verbeek, Postma"
    ),
)

FRENCH = NameStyle(
    "french",
    _names(
        "Jean, Pierre, Michel, Philippe, Alain, Luc, Marc, Nicolas, Julien, Antoine, Olivier, "
        "Laurent, François, Stéphane, Sébastien, Benoît, Thierry, Éric, Mathieu, Guillaume, Jérôme, "
        "Frédéric, Cédric, Grégory, Rémi, Maxime, Hugo, Louis, Arnaud, Jean-Pierre"
    ),
    _names(
        "Hélène, Marie, Anne, Sophie, Isabelle, Nathalie, Catherine, Céline, Aurélie, Émilie, "
        "Camille, Chloé, Léa, Manon, Élise, Françoise, Véronique, Brigitte, Noémie, Mélanie, Valérie, "
        "Sylvie, Martine, Joëlle, Amélie, Marie-Claire, Anne-Sophie, Géraldine"
    ),
    (
        *_names(
            "Dubois, Lambert, Dupont, Martin, Simon, Laurent, Leclercq, Lejeune, Renard, Leroy, "
            "François, Mathieu, Lemaire, Dumont, Collignon, Denis, Gérard, Thiry, Hubert, Fontaine, "
            "Piron, Moreau, Lefèvre, Jacquet, Legrand, Delvaux, Bodart, Henrion, Gillet, Marchal, "
            "Remacle, Poncelet, Gilson, Noël, Lecomte, Charlier, Dethier, Bertrand, Masson, Dessart, "
            "Wilmotte, de Ville, Lhoest, Hanquet, Nicolaï, Bastin, Pirard, Goffin, Delhaye, Stassart, "
            "Lurquin, Descamps, Hardy, Ernould, Dechamps, Mouchet"
        ),
        *_compound(("Du", "Del", "Dela", "de la", "Le"), _WALLOON_ROOTS, joined=False),
    ),
)

GERMAN = NameStyle(
    "german",
    _names(
        "Jürgen, Klaus, Stefan, Andreas, Matthias, Jörg, Günter, Uwe, Dieter, Michael, Björn, Lukas, "
        "Jonas, Sören, Tobias, Bernd"
    ),
    _names(
        "Sabine, Ursula, Monika, Jutta, Birgit, Käthe, Lena, Hannah, Jülide, Gudrun, Anke, Bärbel, "
        "Christa, Doris"
    ),
    _names(
        "Müller, Schmitz, Schröder, Krüger, Schäfer, Weiß, Groß, Mertes, Kessler, Hoffmann, Becker, "
        "Wagner, Fuchs, Lange, Köhler, Jäger, Böhm, Günther, Förster, Lenz, Heinen, Kreutz, "
        "Dederichs, Maraite, Küpper, Thönnissen, Brüls, Jöbges"
    ),
)

LUXEMBOURGISH = NameStyle(
    "luxembourgish",
    _names(
        "Jos, Marc, Claude, Romain, Fernand, Guy, Nico, Raymond, Gaston, Tom, Gilles, Pol, Jang, "
        "Mett, Camille, Ben"
    ),
    _names(
        "Carole, Josiane, Nathalie, Sandy, Tessy, Nadine, Monique, Christiane, Mady, Mireille, "
        "Myriam, Joëlle, Lis, Anouk"
    ),
    _names(
        "Schmit, Muller, Weber, Wagner, Hoffmann, Thill, Schroeder, Reuter, Kieffer, Klein, Hansen, "
        "Schiltz, Kremer, Meyer, Welter, Weis, Steffen, Faber, Majerus, Wirtz, Ernster, Theisen, "
        "Kayser, Schumacher, Feller, Jacoby, Goergen, Frisch, Mersch, Kinnen"
    ),
)

MEDITERRANEAN = NameStyle(
    "mediterranean",
    _names(
        "Mohamed, Ahmed, Youssef, Karim, Said, Mustafa, Mehmet, Ali, Hassan, Omar, Giuseppe, "
        "Salvatore, Antonio, Francesco, Ibrahim, Hamza, Bilal, Emre"
    ),
    _names(
        "Fatima, Khadija, Aicha, Meryem, Samira, Nadia, Ayşe, Zeynep, Elif, Maria, Giulia, Rosa, "
        "Yasmina, Leila, Hafsa, Salma"
    ),
    _names(
        "El Amrani, Benali, El Idrissi, Bouzid, Chaoui, Haddad, Ouali, El Khattabi, Yilmaz, Kaya, "
        "Demir, Şahin, Çelik, Öztürk, Rossi, Russo, Esposito, Bianchi, Romano, Ferrari, Colombo, "
        "Lombardi, Aït Ahmed, Boukhari"
    ),
)

# Transliterations that a foreign institution may use for the same person.
SPELLING_VARIANTS: dict[str, tuple[str, ...]] = {
    "Mohamed": ("Mohammed", "Muhammad", "Mohammad"),
    "Youssef": ("Yousef", "Youssouf", "Joseph"),
    "Said": ("Saïd", "Saeed"),
    "Mustafa": ("Mustapha", "Moustafa"),
    "Aicha": ("Aïcha", "Aisha"),
    "Khadija": ("Khadidja", "Hadija"),
    "Meryem": ("Maryam", "Meriem"),
    "Hassan": ("Hasan",),
    "Yasmina": ("Yasmine",),
    "El Amrani": ("Elamrani", "Amrani"),
    "El Idrissi": ("Elidrissi", "Idrissi"),
    "El Khattabi": ("Elkhattabi",),
    "Aït Ahmed": ("Ait Ahmed", "Aitahmed"),
    "Şahin": ("Sahin",),
    "Çelik": ("Celik",),
    "Öztürk": ("Ozturk", "Oeztuerk"),
    "Ayşe": ("Ayse",),
    "Weiß": ("Weiss",),
    "Groß": ("Gross",),
}

ORGANISATION_PATTERNS: tuple[str, ...] = (
    "Immo {family}",
    "{family} & Zonen",
    "Boulangerie {family}",
    "Garage {family}",
    "{family} Consult",
    "{city} Invest",
    "Holding {family}",
    "Bouwbedrijf {family}",
    "{family} Patrimoine",
    "Transport {family}",
    "{family} Advocaten",
    "Pharmacie {family}",
)
LEGAL_FORMS = {"flemish": ("NV", "BV", "CommV"), "french": ("SA", "SRL", "SComm")}
