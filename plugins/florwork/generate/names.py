"""Names, places, companies and codes for the synthetic population (Florence)."""

SURNAMES_IT = [
    "Rossi",
    "Bianchi",
    "Bencini",
    "Cecchi",
    "Innocenti",
    "Bartolini",
    "Fantoni",
    "Mugnai",
    "Nocentini",
    "Lotti",
    "Sarti",
    "Giannelli",
    "Baldi",
    "Frosini",
    "Pieraccioni",
    "Tarchiani",
    "Guidotti",
    "Masi",
    "Calamai",
    "Lapi",
    "Parigi",
    "Niccolai",
    "Fabbri",
    "Bruni",
    "Gori",
    "Mancini",
    "Ricci",
    "D'Angelo",
    "Dell'Agnello",
    "Della Valle",
    "Lo Presti",
    "Martelli",
    "Benvenuti",
    "Pacini",
    "Cappelli",
    "Puccioni",
]
NAMES_M_IT = [
    "Niccolò",
    "Lorenzo",
    "Matteo",
    "Francesco",
    "Tommaso",
    "Leonardo",
    "Andrea",
    "Marco",
    "Gabriele",
    "Filippo",
    "Jacopo",
    "Duccio",
    "Giovanni",
    "Alessio",
    "Simone",
    "Pietro",
    "Mattia",
    "Nicolò",
]
NAMES_F_IT = [
    "Giulia",
    "Chiara",
    "Sofia",
    "Martina",
    "Beatrice",
    "Elena",
    "Irene",
    "Caterina",
    "Lucrezia",
    "Anna",
    "Francesca",
    "Margherita",
    "Benedetta",
    "Ilaria",
    "Noemi",
    "Alessia",
    "Viola",
    "Bianca",
]
FOREIGN = {
    "ROU": (
        ["Popescu", "Ionescu", "Dumitru", "Stan", "Gheorghe"],
        ["Andrei", "Mihai", "Ștefan", "Ion"],
        ["Ioana", "Elena", "Andreea", "Maria"],
        "Z129",
    ),
    "MAR": (
        ["El Amrani", "Benali", "Ouazzani", "Haddad"],
        ["Youssef", "Mohamed", "Karim", "Hamza"],
        ["Fatima", "Salma", "Khadija", "Nadia"],
        "Z330",
    ),
    "ALB": (
        ["Hoxha", "Shehu", "Kola", "Dervishi"],
        ["Ardit", "Erion", "Besnik", "Klodian"],
        ["Elira", "Anisa", "Jonida", "Ermira"],
        "Z100",
    ),
    "CHN": (
        ["Wang", "Li", "Zhang", "Chen", "Hu"],
        ["Wei", "Jun", "Hao", "Ming"],
        ["Li Na", "Xiu", "Mei", "Ying"],
        "Z210",
    ),
    "PER": (
        ["Quispe", "Huamán", "Flores", "Mamani"],
        ["José", "Luis", "Julián", "Raúl"],
        ["Rocío", "María", "Lucía", "Inés"],
        "Z611",
    ),
    "NGA": (
        ["Okafor", "Adeyemi", "Eze", "Balogun"],
        ["Chinedu", "Emeka", "Tunde", "Ifeanyi"],
        ["Ngozi", "Amaka", "Funmi", "Blessing"],
        "Z335",
    ),
    "UKR": (
        ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko"],
        ["Oleksandr", "Dmytro", "Andrii"],
        ["Olena", "Iryna", "Oksana"],
        "Z138",
    ),
    "SEN": (["Diop", "Ndiaye", "Fall", "Sow"], ["Mamadou", "Cheikh", "Ousmane"], ["Aminata", "Fatou", "Awa"], "Z343"),
}
CITIZENSHIP_WEIGHTS = [
    ("ITA", 68),
    ("ROU", 7),
    ("MAR", 6),
    ("ALB", 6),
    ("CHN", 3),
    ("PER", 4),
    ("NGA", 2),
    ("UKR", 2),
    ("SEN", 2),
]
FLORENCE = ("048017", "D612")
MUNICIPALITIES = [(FLORENCE, 88), (("048041", "B962"), 4), (("048043", "I684"), 4), (("048001", "A564"), 4)]
BIRTHPLACES_IT = ["D612", "D612", "D612", "F205", "H501", "F839", "G702", "E715", "A662"]

TARGETS = [  # code, weight, age range at care start
    ("SVANTAGGIATO_381", 26, (25, 60)),
    ("DISABILE_45", 16, (25, 62)),
    ("NEET", 18, (18, 29)),
    ("CARE_LEAVER", 8, (18, 21)),
    ("NEOMAGGIORENNE_ACCOLTO", 6, (18, 20)),
    ("DISOCCUPATO_LUNGA_DURATA_50", 18, (50, 64)),
    ("ALTRO", 8, (18, 64)),
]
EDUCATION = [
    ("NESSUNO", 5),
    ("LICENZA_ELEMENTARE", 8),
    ("LICENZA_MEDIA", 42),
    ("QUALIFICA", 20),
    ("DIPLOMA", 20),
    ("LAUREA", 5),
]
BENEFITS = {  # type, probability a person receives it, monthly amount range
    "CONTRIBUTO_ECONOMICO": (0.85, (200, 600)),
    "SOSTEGNO_ABITATIVO": (0.35, (150, 400)),
    "ACCOGLIENZA": (0.08, (700, 1200)),
    "BUONI_SPESA": (0.30, (50, 150)),
}
SERVICES = [
    "SST_Q1",
    "SST_Q2",
    "SST_Q3",
    "SST_Q4",
    "SST_Q5",
    "UFFICIO_MINORI",
    "SERVIZIO_DISABILI",
    "UFFICIO_ACCOGLIENZA",
]

SECTORS = [  # ateco, weight, words for company names, ISTAT occupation
    ("81.30.00", 30, "Verde", "8.1.4.3"),
    ("81.21.00", 28, "Pulizie", "8.1.4.2"),
    ("56.10.11", 14, "Ristorazione", "5.2.2.1"),
    ("56.29.10", 6, "Mense", "5.2.2.2"),
    ("52.29.22", 14, "Logistica", "8.1.3.1"),
    ("49.41.00", 8, "Trasporti", "7.4.2.3"),
]
COMPANY_FORMS = ["Soc. Coop. Sociale", "S.r.l.", "S.p.A.", "Soc. Coop.", "S.n.c.", "Impresa Sociale S.r.l."]
COMPANY_WORDS = [
    "Città",
    "Arno",
    "Oltrarno",
    "Peretola",
    "Rifredi",
    "Novoli",
    "Gavinana",
    "Careggi",
    "Fiesole",
    "Medici",
    "Giglio",
    "Duomo",
    "Cascine",
    "Boboli",
    "Le Piagge",
    "Sant'Ambrogio",
    "Mugello",
    "Chianti",
]
ASSOCIATIONS = [
    ("LEGACOOP", 25),
    ("CONFCOOPERATIVE", 20),
    ("CONFINDUSTRIA", 12),
    ("CNA", 10),
    ("CONFARTIGIANATO", 8),
    ("CONFCOMMERCIO", 10),
    (None, 15),
]
PROVIDERS = [
    "Cooperativa Il Cenacolo",
    "Cooperativa Sociale Arca",
    "Consorzio Co&So",
    "Associazione Progetto Arcobaleno",
]
EMPLOYMENT_CENTRES = ["CPI_FIRENZE", "CPI_SESTO_FIORENTINO", "CPI_SCANDICCI", "CPI_BORGO_SAN_LORENZO"]
CONTRACTS = [("A.02.00", 52), ("A.01.00", 14), ("A.03.00", 6), ("A.04.00", 17), ("A.05.00", 11)]

# Bologna (Insieme per il lavoro): the Metropolitan City's municipalities (ISTAT codes,
# weights roughly by population), employment centres and the words of company names.
BOLOGNA = "037006"
BOLOGNA_MUNICIPALITIES = [
    (BOLOGNA, 62),
    ("037011", 5),  # Casalecchio di Reno
    ("037054", 4),  # San Lazzaro di Savena
    ("037032", 4),  # Imola
    ("037053", 3),  # San Giovanni in Persiceto
    ("037016", 3),  # Castenaso
    ("037012", 3),  # Castel Maggiore
    ("037059", 3),  # Zola Predosa
    ("037005", 3),  # Budrio
    ("037047", 3),  # Pianoro
    ("037060", 2),  # Valsamoggia
    ("037024", 2),  # Granarolo dell'Emilia
    ("037042", 2),  # Ozzano dell'Emilia
    ("037062", 1),  # Alto Reno Terme
]
BOLOGNA_EMPLOYMENT_CENTRES = ["CPI_BOLOGNA", "CPI_SAN_LAZZARO", "CPI_CASALECCHIO", "CPI_IMOLA"]
BOLOGNA_COMPANY_WORDS = [
    "Reno",
    "Navile",
    "Savena",
    "Bolognina",
    "Due Torri",
    "Felsina",
    "Portico",
    "San Donato",
    "Borgo Panigale",
    "Saragozza",
    "Santo Stefano",
    "Appennino",
    "Emilia",
    "Dozza",
    "Montagnola",
]
IPL_JOINING_CHANNELS = [  # how a company joined the board (the 2018 report's proportions)
    ("BOARD", 52),
    ("CONFINDUSTRIA", 19),
    ("LEGACOOP", 10),
    ("CONFCOOPERATIVE", 10),
    ("NON_PARTNER", 3),
    ("CNA", 2),
    ("CONFCOMMERCIO", 2),
    ("CONFESERCENTI", 1),
    ("CONFARTIGIANATO", 1),
]
IPL_REFERRING_BODIES = [
    ("AUTOCANDIDATURA", 46),
    ("SERVIZI_SOCIALI", 8),
    ("CENTRO_IMPIEGO", 12),
    ("CARITAS_PARROCCHIE", 9),
    ("TERZO_SETTORE", 8),
    ("SINDACATO", 3),
    ("ALTRO", 6),
]
IPL_EDUCATION = [(code, weight) for code, weight in EDUCATION] + [(None, 8)]
IPL_NOTES = [  # what applicants type in the form's free field: personal data, never leaves raw
    "Cerco lavoro da due anni, disponibile anche nel weekend.",
    "Vivo con mia madre che ha bisogno di assistenza.",
    "Chiamatemi dopo le 18, grazie.",
    "Ho lavorato come magazziniere fino al 2022.",
    "Sono in affitto e ho tre figli.",
    None,
    None,
]
IPL_PROFILES = [
    ("56.10.11", "aiuto cuoco/a"),
    ("81.21.00", "addetto/a alle pulizie"),
    ("52.29.22", "magazziniere/a"),
    ("81.30.00", "operatore/trice del verde"),
    ("49.41.00", "autista"),
    ("56.29.10", "addetto/a mensa"),
]
IPL_SELF_EMPLOYMENT_TITLES = [
    "Sartoria di quartiere",
    "Servizi di pulizia",
    "Riparazione biciclette",
    "Laboratorio di pasta fresca",
    "Assistenza domiciliare",
    "Piccoli traslochi",
    "Giardinaggio",
]
IPL_SOCIAL_TITLES = [
    "Orto condiviso",
    "Emporio solidale",
    "Ciclofficina popolare",
    "Portierato di comunità",
    "Cucina sociale",
]
IPL_OPERATORS = ["mrossi", "lbianchi", "gverdi", "aferri", "scolombo", "pmarchi"]
