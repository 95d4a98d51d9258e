"""A synthetic population of people in care and their journeys, one person at a time.

Each person is simulated from a random generator seeded with (seed, person id) alone,
so the whole history is deterministic and independent of the order of processing and
of how far it is materialised: `florwork generate --through` only decides which of the
simulated rows, row versions and files already exist. A source row is a list of
versions ``(aggiornato_il, values)``; a CO notice carries the day its file is produced
and the day that file is delivered.

The journey model follows what the Florence hub reported: of about 56 people taken in
charge per edition, ~7 go to the soft-skills lab, ~12 to the on-the-job lab, ~10 are
placed in an internship or a job, ~15 are still in progress and ~16 withdraw or wait.
Benefits fall or stop in the months a person works, which is where savings come from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from florwork.generate import cf as cfgen
from florwork.generate import names
from florwork.months import add_months, first_day, month_range

ROME = ZoneInfo("Europe/Rome")
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Scale:
    name: str
    people: int
    programmes: tuple[str, ...]
    editions: tuple[date, ...]  # edition start dates, for every programme
    sim_start: date  # first day simulated
    sim_end: date  # last day simulated (--through may not go beyond)
    companies: int
    referral_share: float  # share of people in care referred once
    target_months: tuple[date, date]  # months with a budget target


SCALES = {
    "demo": Scale(
        "demo",
        800,
        ("FLORATWORK",),
        (date(2024, 3, 1), date(2024, 10, 1)),
        date(2023, 7, 1),
        date(2026, 12, 31),
        40,
        0.5,
        (date(2025, 1, 1), date(2025, 12, 1)),
    ),
    "city": Scale(
        "city",
        20_000,
        ("FLORATWORK",),
        tuple(month_range(date(2021, 2, 1), date(2025, 12, 1))),
        date(2021, 1, 1),
        date(2026, 12, 31),
        300,
        0.24,
        (date(2021, 7, 1), date(2026, 12, 1)),
    ),
    "region": Scale(
        "region",
        200_000,
        (
            "FLORATWORK",
            "INSIEME_BO",
            "PRATO_LAVORO",
            "PISA_INCLUDE",
            "LIVORNO_RETE",
            "AREZZO_OPPORTUNITA",
            "SIENA_PONTI",
            "LUCCA_LAVORO",
            "PISTOIA_INSIEME",
        ),
        tuple(month_range(date(2021, 2, 1), date(2025, 12, 1))),
        date(2021, 1, 1),
        date(2026, 12, 31),
        3000,
        0.24,
        (date(2021, 7, 1), date(2026, 12, 1)),
    ),
}

DIRT_DEFAULTS = {
    # CO files: every case of plugins/florwork/contract_files/co_files.md "What can be wrong" ...
    "co_bad_cf": 0.004,  # a notice's worker CF with a wrong check character
    "co_impossible_date": 0.002,  # 31/02 and the like
    "co_bad_code": 0.002,  # a contract type outside the list
    "co_wrong_field_count": 0.002,  # a field missing
    "co_not_latin1": 0.001,  # a line written in UTF-8
    "co_id_conflict": 0.001,  # a notice id re-sent with other content
    "co_hiring_late": 0.01,  # a hiring delivered after the notices that refer to it
    # ... and the life of real deliveries
    "co_correction": 0.03,  # a hiring corrected by a RETTIFICA
    "co_cancelled_hiring": 0.01,  # a hiring notified and then cancelled (ANNULLAMENTO)
    "late_file": 0.02,  # a day's file delivered days later
    "resent_day": 0.02,  # a day re-sent as _N with earlier rows and new ones
    "duplicate_delivery": 0.01,  # the same file delivered again under another name
    # SIS and partner
    "payment_cancelled": 0.01,  # a payment cancelled later (ANNULLATO)
    "sis_invalid_cf": 0.003,  # a person whose CF fails its check character
    "omocodic_cf": 0.005,  # a person with an omocodic (valid) CF
    "cf_case_space": 0.02,  # the person's CF in lower case / with spaces in another system
    # Bologna's case platform (generate/bologna.py)
    "ipl_mistyped_cf": 0.02,  # an applicant types the CF wrong (fixed by the desk at the interview)
    "ipl_flagged_duplicate": 0.05,  # the form sent twice; the office flags the second DUPLICATA
    "ipl_unflagged_duplicate": 0.03,  # applies again months later, not flagged
    "ipl_reinterview": 0.06,  # interviewed again later, maybe with another outcome
    "ipl_hired_before_interview": 0.03,  # a job starting before the first interview (not the programme's)
    "ipl_company_left": 0.12,  # a board company leaves the board
    "ipl_sole_trader": 0.05,  # a board company that is a person (a ditta individuale)
    "ipl_reversed_expense": 0.02,  # an expense reversed by a STORNO
}


def weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs)
    return rng.choices(items, weights=weights)[0]


def dirty(record, rng: random.Random, rates: dict, kind: str) -> bool:
    """Whether this opportunity for ``kind`` of dirt takes it, counted on ``record`` (its
    ``trials`` and ``dirt`` dicts feed the generator's manifest)."""
    record.trials[kind] = record.trials.get(kind, 0) + 1
    if rng.random() < rates[kind]:
        record.dirt[kind] = record.dirt.get(kind, 0) + 1
        return True
    return False


def at(day: date, rng: random.Random, start_hour: int = 8, end_hour: int = 18) -> datetime:
    """A commit time on that day (Rome), in UTC."""
    seconds = rng.randrange(start_hour * 3600, end_hour * 3600)
    local = datetime.combine(day, time(0), ROME) + timedelta(seconds=seconds)
    return local.astimezone(UTC)


@dataclass
class Notice:
    values: dict
    produced: date  # the day the file is produced (its name)
    delivered: date  # the day the file reaches the landing folder
    dirt: str | None = None


@dataclass
class Person:
    pid: int
    cf: str
    assistiti: list = field(default_factory=list)  # versions
    segnalazioni: list = field(default_factory=list)  # (id, versions)
    erogazioni: list = field(default_factory=list)  # (id, versions)
    profilazioni: list = field(default_factory=list)
    percorsi: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    intakes: list = field(default_factory=list)  # (programme, intake date)
    dirt: dict = field(default_factory=dict)  # kind -> count, for the manifest
    trials: dict = field(default_factory=dict)  # kind -> opportunities


@dataclass(frozen=True)
class Company:
    cf: str
    name: str
    ateco: str
    occupation: str
    versions: tuple


# Employers who are people: a family hiring a domestic worker (ATECO 97.00.00; the CO
# names the employer by the person's name) or a sole trader (a "ditta individuale",
# named after its owner). Their tax code is a personal CF of 16 characters.
SOLE_TRADER_SHARE = 0.06  # of the partner's company network
OUTSIDER_FAMILY_SHARE = 0.35  # of the employers outside the network (about 7% of hirings)
OUTSIDER_SOLE_TRADER_SHARE = 0.15
DOMESTIC_WORK = ("97.00.00", "8.1.4.1")  # ATECO, ISTAT occupation (domestic helpers)


def person_employer(rng: random.Random, family: bool) -> Company:
    """An employer who is a person: a family (domestic work) or a sole trader."""
    sex = rng.choice("MF")
    surname = rng.choice(names.SURNAMES_IT)
    name = rng.choice(names.NAMES_M_IT if sex == "M" else names.NAMES_F_IT)
    birth = date(rng.randint(1940, 1985), rng.randint(1, 12), rng.randint(1, 28))
    cf = cfgen.build(surname, name, birth, sex, rng.choice(names.BIRTHPLACES_IT))
    if family:
        ateco, occupation = DOMESTIC_WORK
        return Company(cf, f"{surname.upper()} {name.upper()}", ateco, occupation, ())
    ateco, _, word, occupation = weighted(rng, [(s, s[1]) for s in names.SECTORS])
    return Company(cf, f"{word} di {surname} {name}", ateco, occupation, ())


def company_network(scale: Scale, seed: int) -> list[Company]:
    from stdnum import luhn

    rng = random.Random(f"{seed}:companies")
    companies, seen = [], set()
    while len(companies) < scale.companies:
        sole_trader = person_employer(rng, family=False) if rng.random() < SOLE_TRADER_SHARE else None
        body = f"{rng.randrange(1, 9_999_999):07d}048"  # Florence's province office code
        cf = sole_trader.cf if sole_trader else body + luhn.calc_check_digit(body)
        if cf in seen:
            continue
        seen.add(cf)
        ateco, _, word, occupation = weighted(rng, [(s, s[1]) for s in names.SECTORS])
        name = (
            sole_trader.name
            if sole_trader
            else (f"{word} {rng.choice(names.COMPANY_WORDS)} {rng.choice(names.COMPANY_FORMS)}")
        )
        joined = scale.sim_start - timedelta(days=rng.randrange(0, 900)) + timedelta(days=rng.randrange(0, 1500))
        values = {
            "cf_azienda": cf,
            "denominazione": name,
            "ateco": ateco,
            "comune": weighted(rng, names.MUNICIPALITIES)[0],
            "obbligo_l68": rng.random() < 0.3,
            "associazione": weighted(rng, names.ASSOCIATIONS),
            "data_adesione": joined,
        }
        versions = [(at(joined, rng), values)]
        if rng.random() < 0.1:
            changed = {**values, "associazione": weighted(rng, names.ASSOCIATIONS)}
            versions.append((at(joined + timedelta(days=rng.randrange(60, 900)), rng), changed))
        companies.append(Company(cf, name, ateco, occupation, tuple(versions)))
    return companies


class Simulator:
    def __init__(self, scale: Scale, seed: int, dirt: dict | None = None):
        self.scale = scale
        self.seed = seed
        self.dirt = {**DIRT_DEFAULTS, **(dirt or {})}
        self.companies = company_network(scale, seed)
        self.by_sector: dict[str, list[Company]] = {}
        for company in self.companies:
            self.by_sector.setdefault(company.ateco, []).append(company)

    # -- helpers -----------------------------------------------------------------------
    def _dirty(self, person: Person, rng: random.Random, kind: str) -> bool:
        return dirty(person, rng, self.dirt, kind)

    def _cf_variant(self, person: Person, rng: random.Random, cf: str, spaces: bool = False) -> str:
        """The same CF as another system may write it: lower case, or with spaces where
        the field allows more than 16 characters (the CO files)."""
        if self._dirty(person, rng, "cf_case_space"):
            return f" {cf} " if spaces and rng.random() < 0.5 else cf.lower()
        return cf

    # -- one person --------------------------------------------------------------------
    def identity(self, pid: int) -> Person:
        """The person's SIS record only (cheap: the other tables reference it)."""
        return self._identity(pid, random.Random(f"{self.seed}:person:{pid}"))[0]

    def person(self, pid: int) -> Person:
        """The person's whole simulated history."""
        rng = random.Random(f"{self.seed}:person:{pid}")
        person, care_start, care_end, birth = self._identity(pid, rng)
        jobs = self._journeys(person, rng, care_start, care_end, birth)
        self._payments(person, rng, care_start, care_end, jobs)
        return person

    def _identity(self, pid: int, rng: random.Random):
        scale = self.scale
        target, _, (low, high) = weighted(rng, [(t, t[1]) for t in names.TARGETS])
        sex = rng.choice("MF")
        citizenship = weighted(rng, names.CITIZENSHIP_WEIGHTS)
        span = (scale.sim_end - scale.sim_start).days
        care_start = scale.sim_start - timedelta(days=1095) + timedelta(days=rng.randrange(0, span + 1000))
        care_start = min(care_start, scale.sim_end - timedelta(days=90))
        care_end = care_start + timedelta(days=int(rng.expovariate(1 / 2200)) + 180)
        age = rng.randint(low, high)
        birth = care_start - timedelta(days=age * 365 + rng.randrange(0, 365))
        if citizenship == "ITA":
            surname = rng.choice(names.SURNAMES_IT)
            name = rng.choice(names.NAMES_M_IT if sex == "M" else names.NAMES_F_IT)
            place = rng.choice(names.BIRTHPLACES_IT)
        else:
            surnames, males, females, place = names.FOREIGN[citizenship]
            surname, name = rng.choice(surnames), rng.choice(males if sex == "M" else females)
        (municipality, _belfiore) = weighted(rng, names.MUNICIPALITIES)
        cf = cfgen.build(surname, name, birth, sex, place)
        person = Person(pid, cf)
        if self._dirty(person, rng, "omocodic_cf"):
            cf = person.cf = cfgen.omocodic(cf, rng.randint(1, 3))
        sis_cf = cfgen.corrupt(cf) if self._dirty(person, rng, "sis_invalid_cf") else cf
        values = {
            "id_assistito": pid,
            "codice_fiscale": sis_cf,
            "cognome": surname,
            "nome": name,
            "data_nascita": birth,
            "sesso": sex,
            "cittadinanza": citizenship,
            "titolo_studio": weighted(rng, names.EDUCATION),
            "comune_residenza": municipality,
            "quartiere": rng.randint(1, 5) if municipality == "048017" else None,
            "categoria_target": target,
        }
        first_version = at(max(care_start, scale.sim_start - timedelta(days=1095)), rng)
        person.assistiti.append((first_version, values))
        if rng.random() < 0.15:
            later = care_start + timedelta(days=rng.randrange(30, 1200))
            changed = {**values, "titolo_studio": weighted(rng, names.EDUCATION)}
            if changed["quartiere"] is not None:
                changed["quartiere"] = rng.randint(1, 5)
            person.assistiti.append((at(later, rng), changed))
        return person, care_start, care_end, birth

    def _journeys(self, person: Person, rng, care_start: date, care_end: date, birth: date) -> list[tuple]:
        """Referrals, assessments, pathways and jobs; returns the true employment spans."""
        scale = self.scale
        jobs: list[tuple[date, date | None]] = []
        if rng.random() >= scale.referral_share:
            return jobs
        programme = rng.choice(scale.programmes)
        window_start = scale.editions[0] - timedelta(days=45)
        window_end = scale.editions[-1] - timedelta(days=10)
        lo, hi = max(care_start, window_start), min(care_end, window_end)
        if lo >= hi:
            return jobs
        referral_day = lo + timedelta(days=rng.randrange(0, (hi - lo).days))
        if (referral_day - birth).days < 18 * 365 or (referral_day - birth).days > 65 * 365:
            return jobs
        sequence = 0
        while True:
            edition = next((i for i, e in enumerate(scale.editions) if e >= referral_day + timedelta(days=10)), None)
            if edition is None:
                return jobs
            sequence += 1
            referral_id = person.pid * 10 + sequence
            edition_start = scale.editions[edition]
            outcome = weighted(rng, [("PRESO_IN_CARICO", 75), ("NON_IDONEO", 10), ("RINUNCIA", 15)])
            outcome_day = min(edition_start, referral_day + timedelta(days=rng.randrange(7, 40)))
            base = {
                "id_segnalazione": referral_id,
                "id_assistito": person.pid,
                "programma": programme,
                "edizione": edition + 1,
                "servizio_inviante": rng.choice(names.SERVICES),
                "data_segnalazione": referral_day,
                "esito": None,
                "data_esito": None,
            }
            decided = {**base, "esito": outcome, "data_esito": outcome_day}
            person.segnalazioni.append((referral_id, [(at(referral_day, rng), base), (at(outcome_day, rng), decided)]))
            if outcome == "PRESO_IN_CARICO":
                person.intakes.append((programme, outcome_day))
                jobs = self._participant(person, rng, programme, outcome_day)
                if rng.random() < 0.05:  # already working before intake (does not count)
                    start = outcome_day - timedelta(days=rng.randrange(30, 300))
                    self._job(person, rng, start, jobs_out=[])
                return jobs
            if outcome == "RINUNCIA" and rng.random() < 0.3:  # referred again to a later edition
                referral_day = outcome_day + timedelta(days=rng.randrange(60, 400))
                if referral_day > min(care_end, window_end):
                    return jobs
                continue
            return jobs

    def _participant(self, person: Person, rng, programme: str, intake: date) -> list[tuple]:
        jobs: list[tuple] = []
        category = weighted(rng, [("SOFT", 7), ("OTJ", 12), ("PLACED", 10), ("PROGRESS", 15), ("WITHDRAWN", 16)])
        assessed = category != "WITHDRAWN" or rng.random() < 0.7
        interview = intake + timedelta(days=rng.randrange(3, 21))
        proposed = {
            "SOFT": "LAB_SOFT_SKILLS",
            "OTJ": "LAB_ON_THE_JOB",
            "PLACED": rng.choice(["TIROCINIO", "INSERIMENTO_DIRETTO"]),
            "PROGRESS": rng.choice(["LAB_SOFT_SKILLS", "LAB_ON_THE_JOB", "TIROCINIO"]),
            "WITHDRAWN": rng.choice(["LAB_SOFT_SKILLS", "NESSUNO"]),
        }[category]
        if assessed:
            assessment_id = person.pid * 10 + len(person.profilazioni) + 1
            score = rng.randint(20, 90)
            values = {
                "id_profilazione": assessment_id,
                "codice_fiscale": self._cf_variant(person, rng, person.cf),
                "programma": programme,
                "data_colloquio": interview,
                "occupabilita": "BASSA" if score < 40 else "MEDIA" if score < 70 else "ALTA",
                "punteggio": score,
                "percorso_proposto": proposed,
                "note": rng.choice(
                    [
                        "Colloquio positivo; disponibile da subito.",
                        "Da rivedere dopo il laboratorio.",
                        "Necessita di supporto per gli spostamenti.",
                        "Esperienza pregressa in cucina.",
                        None,
                    ]
                ),
            }
            versions = [(at(interview, rng), values)]
            if rng.random() < 0.2:
                versions.append(
                    (
                        at(interview + timedelta(days=rng.randrange(30, 200)), rng),
                        {**values, "note": "Aggiornamento: percorso confermato."},
                    )
                )
            person.profilazioni.append((assessment_id, versions))
        start = interview + timedelta(days=rng.randrange(10, 45))
        if category in ("SOFT", "OTJ"):
            kind, weeks, hours = ("LAB_SOFT_SKILLS", 5, 60) if category == "SOFT" else ("LAB_ON_THE_JOB", 8, 120)
            completed = rng.random() < (0.9 if category == "SOFT" else 0.85)
            end = self._pathway(
                person, rng, programme, kind, rng.choice(names.PROVIDERS), None, start, weeks, hours, completed
            )
            if completed and rng.random() < (0.35 if category == "SOFT" else 0.5):
                self._job(person, rng, end + timedelta(days=rng.randrange(7, 150)), jobs)
        elif category == "PLACED":
            if proposed == "TIROCINIO":
                host = rng.choice(self.companies)
                kind = rng.choice(["TIROCINIO_INCLUSIONE", "TIROCINIO_EXTRACURRICOLARE"])
                completed = rng.random() < 0.85
                end = self._pathway(person, rng, programme, kind, host.name, host.cf, start, 26, 600, completed)
                self._hire(
                    person, rng, start, "C.01.00", host, planned_end=start + timedelta(weeks=26) - timedelta(days=1)
                )
                if completed and rng.random() < 0.45:
                    self._job(person, rng, end + timedelta(days=rng.randrange(1, 60)), jobs, employer=host)
            else:
                self._job(person, rng, start, jobs)
        elif category == "PROGRESS":
            later = start + timedelta(days=rng.randrange(60, 200))
            kind = rng.choice(["LAB_SOFT_SKILLS", "LAB_ON_THE_JOB"])
            end = self._pathway(person, rng, programme, kind, rng.choice(names.PROVIDERS), None, later, 8, 120, True)
            if rng.random() < 0.2:
                self._job(person, rng, end + timedelta(days=rng.randrange(30, 200)), jobs)
        elif assessed and rng.random() < 0.5:  # withdrawn during a lab
            self._pathway(
                person, rng, programme, "LAB_SOFT_SKILLS", rng.choice(names.PROVIDERS), None, start, 5, 60, False
            )
        return jobs

    def _pathway(self, person, rng, programme, kind, provider, host_cf, start, weeks, hours, completed) -> date:
        pathway_id = person.pid * 10 + len(person.percorsi) + 1
        planned_end = start + timedelta(weeks=weeks) - timedelta(days=1)
        end = planned_end if completed else start + timedelta(days=rng.randrange(7, max(8, weeks * 7 - 3)))
        base = {
            "id_percorso": pathway_id,
            "codice_fiscale": self._cf_variant(person, rng, person.cf),
            "programma": programme,
            "tipo_percorso": kind,
            "ente": provider,
            "cf_azienda": host_cf,
            "data_inizio": start,
            "data_fine_prevista": planned_end,
            "data_fine": None,
            "esito": None,
            "ore_previste": hours,
            "ore_frequentate": None,
        }
        ended = {
            **base,
            "data_fine": end,
            "esito": "COMPLETATO" if completed else "INTERROTTO",
            "ore_frequentate": hours if completed else int(hours * (end - start).days / max(1, weeks * 7)),
        }
        person.percorsi.append((pathway_id, [(at(start, rng), base), (at(end + timedelta(days=1), rng), ended)]))
        return end

    def _job(self, person, rng, start: date, jobs_out: list, employer: Company | None = None, depth: int = 0) -> None:
        """A real employment relationship and its notices; maybe a next job after it."""
        if start > self.scale.sim_end:
            return
        contract = weighted(rng, names.CONTRACTS)
        if employer is None:
            if rng.random() < 0.8:
                ateco = weighted(rng, [(s[0], s[1]) for s in names.SECTORS])
                employer = rng.choice(self.by_sector.get(ateco) or self.companies)
            else:
                draw = rng.random()
                if draw < OUTSIDER_FAMILY_SHARE:
                    employer = person_employer(rng, family=True)
                elif draw < OUTSIDER_FAMILY_SHARE + OUTSIDER_SOLE_TRADER_SHARE:
                    employer = person_employer(rng, family=False)
                else:
                    employer = company_network_outsider(rng)
        if contract == "A.01.00":
            planned_end = None
        elif contract == "A.03.00":
            planned_end = add_months(start, rng.choice([24, 36])) - timedelta(days=1)
        else:
            planned_end = add_months(start, rng.choice([3, 4, 6, 6, 9, 12])) - timedelta(days=1)
        end = self._hire(person, rng, start, contract, employer, planned_end)
        jobs_out.append((start, end))
        if end is not None and depth < 2 and rng.random() < 0.4:
            self._job(person, rng, end + timedelta(days=rng.randrange(15, 180)), jobs_out, depth=depth + 1)

    def _hire(
        self,
        person,
        rng,
        start,
        contract,
        employer: Company,
        planned_end,
        workplace: str = names.FLORENCE[0],
        centres: list[str] = names.EMPLOYMENT_CENTRES,
    ) -> date | None:
        """Notices of one relationship (hiring, extension, transformation, termination)."""
        k = len(person.notices)

        def nid(i):
            return f"CO{person.pid:07d}{k + i:03d}"

        part_time = rng.random() < 0.4
        worker_cf = self._cf_variant(person, rng, person.cf, spaces=True)
        common = {
            "cf_lavoratore": worker_cf,
            "cf_datore": employer.cf,
            "denominazione_datore": employer.name,
            "ateco": employer.ateco,
            "comune_sede": workplace,
            "tipo_contratto": contract,
            "data_inizio": start,
            "data_fine": planned_end,
            "data_cessazione": None,
            "causa_cessazione": None,
            "orario": "PT" if part_time else "TP",
            "ore_settimanali": Decimal(rng.choice(["18", "20", "20.5", "24", "25", "27.5", "30"]))
            if part_time
            else None,
            "qualifica_istat": employer.occupation,
            "centro_impiego": rng.choice(centres),
        }
        hiring_sent = start - timedelta(days=rng.randrange(0, 3))
        hiring = {
            "id_comunicazione": nid(0),
            "tipo_evento": "ASSUNZIONE",
            "data_invio": hiring_sent,
            "id_comunicazione_rif": None,
            **common,
        }
        notices = [hiring]
        end = planned_end
        if self._dirty(person, rng, "co_cancelled_hiring"):
            # notified, then cancelled: the job never existed
            cancel_day = hiring_sent + timedelta(days=rng.randrange(2, 20))
            notices.append(
                {
                    **dict.fromkeys(hiring),
                    "id_comunicazione": nid(1),
                    "tipo_evento": "ANNULLAMENTO",
                    "data_invio": cancel_day,
                    "id_comunicazione_rif": nid(0),
                    "cf_lavoratore": worker_cf,
                    "cf_datore": employer.cf,
                    "denominazione_datore": employer.name,
                }
            )
            self._deliver(person, rng, notices)
            return None
        if contract != "C.01.00" and self._dirty(person, rng, "co_correction"):
            wrong = {**hiring, "data_inizio": start + timedelta(days=rng.choice([-7, -3, 3, 7]))}
            notices[0] = wrong
            notices.append(
                {
                    **hiring,
                    "id_comunicazione": nid(len(notices)),
                    "tipo_evento": "RETTIFICA",
                    "data_invio": hiring_sent + timedelta(days=rng.randrange(1, 10)),
                    "id_comunicazione_rif": nid(0),
                }
            )
        if contract == "C.01.00":
            self._deliver(person, rng, notices)
            return None
        if planned_end is not None and rng.random() < 0.35:  # extension
            new_end = add_months(planned_end + timedelta(days=1), rng.choice([3, 6, 12])) - timedelta(days=1)
            notices.append(
                {
                    **common,
                    "id_comunicazione": nid(len(notices)),
                    "tipo_evento": "PROROGA",
                    "data_invio": planned_end - timedelta(days=rng.randrange(1, 20)),
                    "id_comunicazione_rif": nid(0),
                    "data_fine": new_end,
                }
            )
            end = new_end
        if end is not None and contract != "A.03.00" and rng.random() < 0.15:  # becomes open-ended
            notices.append(
                {
                    **common,
                    "id_comunicazione": nid(len(notices)),
                    "tipo_evento": "TRASFORMAZIONE",
                    "data_invio": end - timedelta(days=rng.randrange(1, 10)),
                    "id_comunicazione_rif": nid(0),
                    "tipo_contratto": "A.01.00",
                    "data_fine": None,
                }
            )
            end = None
        horizon = end or (start + timedelta(days=rng.randrange(90, 1500)))
        if rng.random() < (0.2 if end is not None else 0.25):  # terminated early
            stop = start + timedelta(days=rng.randrange(20, max(21, (horizon - start).days)))
            notices.append(
                {
                    **common,
                    "id_comunicazione": nid(len(notices)),
                    "tipo_evento": "CESSAZIONE",
                    "data_invio": stop + timedelta(days=rng.randrange(0, 5)),
                    "id_comunicazione_rif": nid(0),
                    "data_fine": end,
                    "data_cessazione": stop,
                    "causa_cessazione": weighted(rng, [("DIMISSIONI", 45), ("LICENZIAMENTO", 35), ("ALTRO", 20)]),
                }
            )
            end = stop
        elif end is not None and rng.random() < 0.3:  # end of term notified
            notices.append(
                {
                    **common,
                    "id_comunicazione": nid(len(notices)),
                    "tipo_evento": "CESSAZIONE",
                    "data_invio": end + timedelta(days=rng.randrange(0, 5)),
                    "id_comunicazione_rif": nid(0),
                    "data_cessazione": end,
                    "causa_cessazione": "FINE_TERMINE",
                }
            )
        self._deliver(person, rng, notices)
        return end

    def _deliver(self, person: Person, rng, notices: list[dict]) -> None:
        """Files a relationship's notices, on the day each was sent (dirt applies here)."""
        delivered = [Notice(n, n["data_invio"], n["data_invio"]) for n in notices]
        if len(delivered) > 1 and self._dirty(person, rng, "co_hiring_late"):
            first_follow_up = min(d.produced for d in delivered[1:])
            late = max(first_follow_up, delivered[0].produced) + timedelta(days=rng.randrange(1, 6))
            delivered[0].delivered = late
            delivered[0].produced = late  # delivered in a later day's file
            delivered[0].dirt = "co_hiring_late"
        for notice in delivered:
            for kind in ("co_bad_cf", "co_impossible_date", "co_bad_code", "co_wrong_field_count", "co_not_latin1"):
                if self._dirty(person, rng, kind):
                    notice.dirt = kind
                    break
        person.notices.extend(delivered)

    def _payments(self, person: Person, rng, care_start: date, care_end: date, jobs: list[tuple]) -> None:
        scale = self.scale
        benefits = {
            kind: rng.randint(*amounts) for kind, (share, amounts) in names.BENEFITS.items() if rng.random() < share
        }
        if not benefits:
            benefits["CONTRIBUTO_ECONOMICO"] = rng.randint(200, 600)
        employed_months = set()
        for start, end in jobs:
            month = first_day(start)
            last = first_day(end) if end else first_day(scale.sim_end)
            while month <= last:
                employed_months.add(month)
                month = add_months(month, 1)
        stops = {
            kind: rng.random() < p
            for kind, p in (
                ("CONTRIBUTO_ECONOMICO", 0.6),
                ("BUONI_SPESA", 0.7),
                ("SOSTEGNO_ABITATIVO", 0.3),
                ("ACCOGLIENZA", 0.1),
            )
        }
        month = first_day(max(care_start, scale.sim_start))
        last = first_day(min(care_end, scale.sim_end))
        sequence = 0
        while month <= last:
            working = month in employed_months
            for kind, amount in benefits.items():
                if working:
                    if stops[kind]:
                        continue
                    amount = round(amount * 0.4) if kind in ("CONTRIBUTO_ECONOMICO", "SOSTEGNO_ABITATIVO") else amount
                sequence += 1
                payment_id = person.pid * 1000 + sequence
                cents = Decimal(amount) + Decimal(rng.choice([0, 0, 0, 50])) / 100
                paid = {
                    "id_erogazione": payment_id,
                    "id_assistito": person.pid,
                    "tipo_prestazione": kind,
                    "mese_competenza": month,
                    "importo": cents,
                    "stato": "PAGATO",
                }
                pay_day = month + timedelta(days=rng.randrange(4, 25))
                versions = [(at(pay_day, rng), paid)]
                if self._dirty(person, rng, "payment_cancelled"):
                    versions.append(
                        (at(pay_day + timedelta(days=rng.randrange(5, 45)), rng), {**paid, "stato": "ANNULLATO"})
                    )
                person.erogazioni.append((payment_id, versions))
            month = add_months(month, 1)


def company_network_outsider(rng: random.Random) -> Company:
    """An employer outside the partner's network (only in the CO files)."""
    from stdnum import luhn

    body = f"{rng.randrange(1, 9_999_999):07d}{rng.choice(['048', '015', '058', '100'])}"
    ateco, _, word, occupation = weighted(rng, [(s, s[1]) for s in names.SECTORS])
    name = f"{word} {rng.choice(names.COMPANY_WORDS)} {rng.choice(names.COMPANY_FORMS)}"
    return Company(body + luhn.calc_check_digit(body), name, ateco, occupation, ())
