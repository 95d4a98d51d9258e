"""Bologna's Insieme per il lavoro, simulated: the rows of plugins/florwork/contract_files/ipl.sql.

Like the Florence simulation (simulate.py), each applicant is drawn from a random
generator seeded with (seed, applicant) alone, and every source row is a list of
versions ``(aggiornato_il, values)``: `florwork generate --through` decides only which
versions exist yet. The board of companies, the organisations' social projects and the
fund's allocations have generators of their own.

The shape follows the programme's 2018 report ("I numeri"): most people apply online
and send themselves; about a third are already known to social services (they are in
SIS with the same CF); a first interview scores the six fragility items of L.R.
14/2015; people in target start a placement (an internship at a board company, active
search) or first follow empowerment activities; some propose a self-employment
project. Hirings arrive as CO notices in the same daily files as Florence's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from stdnum import luhn

from florwork.generate import cf as cfgen
from florwork.generate import names
from florwork.generate.simulate import Company, Person, Simulator, at, dirty, person_employer, weighted
from florwork.months import add_months, first_day

PROGRAMME = "INSIEME_BO"


@dataclass(frozen=True)
class IplScale:
    applicants: int
    companies: int
    social_projects: int
    known_share: float  # applicants already in SIS (same CF)


IPL_SCALES = {
    "demo": IplScale(500, 60, 12, 0.3),
    "city": IplScale(8_000, 400, 60, 0.3),
    "region": IplScale(40_000, 2_000, 250, 0.3),
}


# Movement ids: allocations from 1, running costs from 5,000,000, internship allowances
# from 100,000,000 (path id * 10 + month), project funding at 200,000,000 + project id,
# a reversal at 3,000,000,000 + the expense it reverses.
# Pseudo person ids for the CO notices of applicants (CO<pid:07d><n:03d>), above any SIS id.
NOTICE_PID_BASE = 5_000_000
INTERNSHIP_ALLOWANCE = Decimal("450.00")  # a month of internship


@dataclass
class Rows:
    """What one simulated unit (an applicant, the board, a project) adds to each table."""

    tables: dict = field(default_factory=dict)  # table name -> [(id, versions)]
    notices: list = field(default_factory=list)  # simulate.Notice
    dirt: dict = field(default_factory=dict)
    trials: dict = field(default_factory=dict)

    def add(self, table: str, row_id: int, versions: list) -> None:
        self.tables.setdefault(table, []).append((row_id, versions))


@dataclass(frozen=True)
class BoardCompany:
    company_id: int
    joined: date
    left: date | None
    company: Company  # tax code, name and sector, as the CO files name the employer
    internships: tuple[tuple[int, date], ...]  # its TIROCINIO openings: (id, proposed on)


class Bologna:
    """The programme's whole simulated history at a scale; rows come out unit by unit."""

    def __init__(self, florence: Simulator, scale_name: str, seed: int):
        self.florence = florence  # SIS identities, and the CO notice machinery shared with Florence
        self.scale = IPL_SCALES[scale_name]
        self.seed = seed
        self.dirt = florence.dirt
        self.start = florence.scale.sim_start
        self.end = florence.scale.sim_end
        self.board_rows = Rows()
        self.board = self._board()
        self.social_projects = self._social_projects()
        pool_size = min(florence.scale.people, self.scale.applicants)
        self.known_pool = random.Random(f"{seed}:ipl:known").sample(range(1, florence.scale.people + 1), pool_size)

    # -- helpers -----------------------------------------------------------------------
    def _dirty(self, rows: Rows, rng: random.Random, kind: str) -> bool:
        return dirty(rows, rng, self.dirt, kind)

    def _day(self, rng: random.Random, lo: date, hi: date) -> date:
        return lo + timedelta(days=rng.randrange(0, max(1, (hi - lo).days)))

    def _active_company(self, rng: random.Random, day: date) -> BoardCompany | None:
        for _ in range(20):
            company = rng.choice(self.board)
            if company.joined <= day and (company.left is None or company.left > day):
                return company
        return None

    # -- the board of companies ----------------------------------------------------------
    def _board(self) -> list[BoardCompany]:
        rng = random.Random(f"{self.seed}:ipl:board")
        rows = self.board_rows
        board, seen = [], set()
        company_id = 0
        while len(board) < self.scale.companies:
            sole_trader = self._dirty(rows, rng, "ipl_sole_trader")
            if sole_trader:
                person = person_employer(rng, family=False)
                cf, name, ateco, occupation = person.cf, person.name, person.ateco, person.occupation
            else:
                body = f"{rng.randrange(1, 9_999_999):07d}037"  # Bologna's province office code
                cf = body + luhn.calc_check_digit(body)
                ateco, _, word, occupation = weighted(rng, [(s, s[1]) for s in names.SECTORS])
                name = f"{word} {rng.choice(names.BOLOGNA_COMPANY_WORDS)} {rng.choice(names.COMPANY_FORMS)}"
            if cf in seen:
                continue
            seen.add(cf)
            company_id += 1
            # A third signed at the start, the rest joined over the years.
            if rng.random() < 0.35:
                joined = self._day(rng, self.start - timedelta(days=90), self.start + timedelta(days=60))
            else:
                joined = self._day(rng, self.start, self.end - timedelta(days=30))
            values = {
                "id_azienda": company_id,
                "cf_azienda": cf,
                "denominazione": name,
                "ateco": ateco,
                "comune": weighted(rng, names.BOLOGNA_MUNICIPALITIES),
                "canale_adesione": weighted(rng, names.IPL_JOINING_CHANNELS),
                "data_adesione": joined,
                "data_uscita": None,
            }
            versions = [(at(joined, rng), values)]
            left = None
            if self._dirty(rows, rng, "ipl_company_left"):
                left = joined + timedelta(days=rng.randrange(60, 1000))
                versions.append((at(left, rng), {**values, "data_uscita": left}))
            rows.add("aziende", company_id, versions)
            internships = []
            for k in range(1, rng.choice([1, 1, 2, 2, 3, 4]) + 1):
                opening_id = company_id * 100 + k
                proposed = joined + timedelta(days=rng.randrange(0, 400))
                kind = weighted(rng, [("TIROCINIO", 50), ("ASSUNZIONE", 35), ("FORMAZIONE", 15)])
                profile = next((p for a, p in names.IPL_PROFILES if a == ateco), names.IPL_PROFILES[0][1])
                opening = {
                    "id_opportunita": opening_id,
                    "id_azienda": company_id,
                    "data_proposta": proposed,
                    "tipo": kind,
                    "posti": rng.choice([1, 1, 1, 2, 2, 3, 5]),
                    "profilo": profile,
                    "stato": "APERTA",
                }
                opening_versions = [(at(proposed, rng), opening)]
                closed = proposed + timedelta(days=rng.randrange(20, 200))
                opening_versions.append(
                    (at(closed, rng), {**opening, "stato": "COPERTA" if rng.random() < 0.7 else "CHIUSA_SENZA_ESITO"})
                )
                rows.add("opportunita", opening_id, opening_versions)
                if kind == "TIROCINIO":
                    internships.append((opening_id, proposed))
            board.append(
                BoardCompany(company_id, joined, left, Company(cf, name, ateco, occupation, ()), tuple(internships))
            )
        return board

    # -- the fund ------------------------------------------------------------------------
    def allocations(self) -> Rows:
        """Each funder's yearly allocations, scaled to the number of applicants."""
        rows = Rows()
        rng = random.Random(f"{self.seed}:ipl:fund")
        per_year = Decimal(self.scale.applicants) * 1500 / max(1, (self.end.year - self.start.year + 1))
        lines = [
            ("COMUNE_BOLOGNA", "TIROCINI", Decimal("0.35")),
            ("ARCIDIOCESI", "GIOVANI", Decimal("0.15")),
            ("ARCIDIOCESI", "AUTOIMPIEGO", Decimal("0.15")),
            ("FONDAZIONE_SAN_PETRONIO", "INNOVAZIONE_SOCIALE", Decimal("0.15")),
            ("CITTA_METROPOLITANA", "TERRITORIO", Decimal("0.08")),
            ("COMUNE_BOLOGNA", "FUNZIONAMENTO", Decimal("0.12")),
        ]
        movement_id = 0
        for year in range(self.start.year, self.end.year + 1):
            day = max(date(year, 1, 15), self.start)
            for funder, line, share in lines:
                movement_id += 1
                amount = (per_year * share).quantize(Decimal("1000"))
                values = self._movement(movement_id, day, funder, "STANZIAMENTO", line, amount)
                rows.add("movimenti_fondo", movement_id, [(at(day, rng), values)])
        # The programme's running costs, month by month.
        month, k = first_day(self.start), 0
        while month <= self.end:
            k += 1
            day = month + timedelta(days=27)
            amount = (per_year * Decimal("0.10") / 12).quantize(Decimal("0.01"))
            self._expense(rows, rng, 5_000_000 + k, day, "COMUNE_BOLOGNA", "FUNZIONAMENTO", amount)
            month = add_months(month, 1)
        return rows

    @staticmethod
    def _movement(movement_id, day, funder, kind, line, amount, path=None, project=None, reversed_id=None) -> dict:
        return {
            "id_movimento": movement_id,
            "data_movimento": day,
            "fonte": funder,
            "tipo": kind,
            "voce": line,
            "importo": amount,
            "id_percorso": path,
            "id_progetto": project,
            "id_movimento_rif": reversed_id,
        }

    def _expense(self, rows, rng, movement_id, day, funder, line, amount, path=None, project=None) -> None:
        if day > self.end:
            return
        values = self._movement(movement_id, day, funder, "SPESA", line, amount, path, project)
        rows.add("movimenti_fondo", movement_id, [(at(day, rng), values)])
        if self._dirty(rows, rng, "ipl_reversed_expense"):
            reversal_day = day + timedelta(days=rng.randrange(3, 40))
            reversal_id = 3_000_000_000 + movement_id
            reversal = self._movement(
                reversal_id, reversal_day, funder, "STORNO", line, amount, path, project, movement_id
            )
            rows.add("movimenti_fondo", reversal_id, [(at(reversal_day, rng), reversal)])

    # -- projects ------------------------------------------------------------------------
    def _project(self, rows, rng, project_id, kind, title, proposer, submitted) -> bool:
        """A project through the call's states; returns whether it was funded."""
        values = {
            "id_progetto": project_id,
            "tipo": kind,
            "titolo": title,
            "id_candidatura": proposer,
            "data_presentazione": submitted,
            "stato": "IN_ATTESA",
            "data_stato": submitted,
            "importo_richiesto": Decimal(rng.randrange(40, 400) * 100),
            "importo_finanziato": None,
            "occupati_creati": None,
        }
        versions = [(at(submitted, rng), values)]
        funded = False
        day = submitted + timedelta(days=rng.randrange(20, 120))
        if rng.random() < 0.8:
            values = {**values, "stato": "IN_VALUTAZIONE", "data_stato": day}
            versions.append((at(day, rng), values))
            day += timedelta(days=rng.randrange(30, 150))
            if rng.random() < 0.75:
                eligible = rng.random() < 0.6
                values = {**values, "stato": "APPROVATO" if eligible else "NON_IDONEO", "data_stato": day}
                versions.append((at(day, rng), values))
                if eligible and rng.random() < 0.7:
                    day += timedelta(days=rng.randrange(15, 60))
                    granted = (values["importo_richiesto"] * Decimal(rng.choice(["0.6", "0.8", "1"]))).quantize(
                        Decimal("0.01")
                    )
                    values = {**values, "stato": "FINANZIATO", "data_stato": day, "importo_finanziato": granted}
                    versions.append((at(day, rng), values))
                    funded = day <= self.end
                    started = day + timedelta(days=rng.randrange(30, 120))
                    jobs = rng.choice([1, 1, 1, 2, 2, 3]) if kind == "AUTOIMPIEGO" else rng.choice([0, 1, 1, 2, 4])
                    versions.append((at(started, rng), {**values, "occupati_creati": jobs}))
                    funder, line = (
                        ("ARCIDIOCESI", "AUTOIMPIEGO")
                        if kind == "AUTOIMPIEGO"
                        else rng.choice(
                            [("FONDAZIONE_SAN_PETRONIO", "INNOVAZIONE_SOCIALE"), ("CITTA_METROPOLITANA", "TERRITORIO")]
                        )
                    )
                    self._expense(rows, rng, 200_000_000 + project_id, day, funder, line, granted, project=project_id)
        rows.add("progetti", project_id, versions)
        return funded

    def _social_projects(self) -> list[int]:
        """Projects submitted by organisations (no proposer); their ids, for social paths."""
        rng = random.Random(f"{self.seed}:ipl:social")
        ids = []
        for j in range(1, self.scale.social_projects + 1):
            project_id = 900_000_000 + j
            submitted = self._day(rng, self.start, self.end - timedelta(days=60))
            title = f"{rng.choice(names.IPL_SOCIAL_TITLES)} {rng.choice(names.BOLOGNA_COMPANY_WORDS)}"
            self._project(self.board_rows, rng, project_id, "SOCIALE", title, None, submitted)
            ids.append((project_id, submitted))
        return ids

    # -- one applicant -------------------------------------------------------------------
    def applicant(self, i: int) -> Rows:
        rng = random.Random(f"{self.seed}:ipl:applicant:{i}")
        rows = Rows()
        applied = self._day(rng, self.start, self.end - timedelta(days=15))
        identity = self._identity(i, rng, applied)
        if identity is None:
            return rows
        cf, surname, name, birth, sex, known = identity
        person = Person(NOTICE_PID_BASE + i, cf)  # for the CO notices of this applicant's jobs
        first_id = i * 10 + 1
        referring = "SERVIZI_SOCIALI" if known and rng.random() < 0.4 else weighted(rng, names.IPL_REFERRING_BODIES)
        base = {
            "id_candidatura": first_id,
            "codice_fiscale": cf,
            "cognome": surname,
            "nome": name,
            "data_nascita": birth,
            "genere": sex,
            "titolo_studio": weighted(rng, names.IPL_EDUCATION),
            "comune_residenza": weighted(rng, names.BOLOGNA_MUNICIPALITIES),
            "canale": "FORM_ONLINE" if rng.random() < 0.82 else "SPORTELLO",
            "soggetto_inviante": referring,
            "data_candidatura": at(applied, rng, 0, 24),
            "stato": "RICEVUTA",
            "id_candidatura_originale": None,
            "note": rng.choice(names.IPL_NOTES),
        }
        mistyped = self._dirty(rows, rng, "ipl_mistyped_cf")
        first = {**base, "codice_fiscale": cfgen.corrupt(cf) if mistyped else cf}
        versions = [(base["data_candidatura"], first)]

        if self._dirty(rows, rng, "ipl_flagged_duplicate"):  # the same form again, flagged by the office
            again = base["data_candidatura"] + timedelta(hours=rng.randrange(1, 72))
            duplicate = {**first, "id_candidatura": first_id + 1, "data_candidatura": again}
            flagged = {**duplicate, "stato": "DUPLICATA", "id_candidatura_originale": first_id}
            rows.add(
                "candidature",
                first_id + 1,
                [(again, duplicate), (again + timedelta(days=rng.randrange(1, 10)), flagged)],
            )

        withdrawn = rng.random() < 0.07
        interviewed = not withdrawn and rng.random() < 0.88
        interview_day = applied + timedelta(days=rng.randrange(5, 45))
        if withdrawn or not interviewed or interview_day > self.end:
            if withdrawn:
                day = applied + timedelta(days=rng.randrange(2, 40))
                versions.append((at(day, rng), {**first, "stato": "RITIRATA"}))
            rows.add("candidature", first_id, versions)
            return rows

        booked = applied + timedelta(days=rng.randrange(1, max(2, (interview_day - applied).days)))
        versions.append((at(booked, rng), {**first, "stato": "COLLOQUIO_FISSATO"}))
        # The desk checks the identity document at the interview: a mistyped CF is fixed there.
        versions.append((at(interview_day, rng, 8, 9), {**base, "stato": "VALUTATA"}))
        rows.add("candidature", first_id, versions)

        fragility = min(1.0, max(0.0, rng.betavariate(2.2, 3.2)))
        outcome, ready = self._interview(rows, rng, first_id, first_id, interview_day, fragility)
        latest_day = interview_day
        if self._dirty(rows, rng, "ipl_reinterview"):
            latest_day = interview_day + timedelta(days=rng.randrange(60, 300))
            fragility = min(1.0, max(0.0, fragility + rng.uniform(-0.3, 0.3)))
            outcome, ready = self._interview(rows, rng, first_id + 2, first_id, latest_day, fragility)

        if self._dirty(rows, rng, "ipl_unflagged_duplicate"):  # applies again later, not flagged
            again_day = applied + timedelta(days=rng.randrange(60, 400))
            again = {
                **base,
                "id_candidatura": first_id + 3,
                "data_candidatura": at(again_day, rng, 0, 24),
                "canale": "FORM_ONLINE",
                "note": None,
            }
            rows.add("candidature", first_id + 3, [(again["data_candidatura"], again)])

        if self._dirty(rows, rng, "ipl_hired_before_interview"):  # a job of their own, before the programme
            employer = self._active_company(rng, interview_day) if rng.random() < 0.5 else None
            start = interview_day - timedelta(days=rng.randrange(3, 40))
            self._job(person, rng, start, employer.company if employer else None, employer)
        if outcome == "IN_TARGET" and latest_day <= self.end:
            self._paths(rows, rng, person, first_id, latest_day, ready, birth)
        rows.notices = person.notices
        for kind, n in person.dirt.items():
            rows.dirt[kind] = rows.dirt.get(kind, 0) + n
        for kind, n in person.trials.items():
            rows.trials[kind] = rows.trials.get(kind, 0) + n
        return rows

    def _identity(self, i: int, rng: random.Random, applied: date):
        """The applicant's CF and identity: that of their SIS record when they are known there."""
        if rng.random() < self.scale.known_share and i <= len(self.known_pool):
            sis = self.florence.identity(self.known_pool[i - 1])
            values = sis.assistiti[0][1]
            if 18 * 365 <= (applied - values["data_nascita"]).days <= 66 * 365:
                return sis.cf, values["cognome"], values["nome"], values["data_nascita"], values["sesso"], True
        sex = rng.choice("MF")
        citizenship = weighted(rng, names.CITIZENSHIP_WEIGHTS)
        if citizenship == "ITA":
            surname = rng.choice(names.SURNAMES_IT)
            name = rng.choice(names.NAMES_M_IT if sex == "M" else names.NAMES_F_IT)
            place = rng.choice(["A944", "A944", "A944", "E289", "F205", "H501", "F839"])  # Bologna, Imola, ...
        else:
            surnames, males, females, place = names.FOREIGN[citizenship]
            surname, name = rng.choice(surnames), rng.choice(males if sex == "M" else females)
        birth = applied - timedelta(days=rng.randint(18, 64) * 365 + rng.randrange(0, 365))
        return cfgen.build(surname, name, birth, sex, place), surname, name, birth, sex, False

    def _interview(self, rows, rng, interview_id, application_id, day, fragility):
        items = {}
        for item in ("lavoro", "reddito", "abitazione", "salute", "relazioni", "autonomia"):
            if rng.random() < 0.07:
                items[f"item_{item}"] = None  # not assessed
            else:
                items[f"item_{item}"] = max(0, min(3, round(fragility * 3 + rng.uniform(-0.9, 0.9))))
        assessed = [v for v in items.values() if v is not None]
        index = sum(assessed) / len(assessed) / 3 if assessed else 0.5
        if index >= 0.7:
            outcome = "FRAGILITA_CONCLAMATA"
        elif index < 0.2 or rng.random() < 0.05:  # no hardship, or not resident in the area
            outcome = "FUORI_TARGET"
        else:
            outcome = "IN_TARGET"
        ready = (index < 0.45) != (rng.random() < 0.15) if outcome == "IN_TARGET" else None
        values = {
            "id_colloquio": interview_id,
            "id_candidatura": application_id,
            "data_colloquio": day,
            **items,
            "esito": outcome,
            "pronto_inserimento": ready,
            "operatore": rng.choice(names.IPL_OPERATORS),
        }
        if day <= self.end:
            rows.add("colloqui", interview_id, [(at(day, rng, 9, 18), values)])
        return outcome, ready

    def _path(self, rows, rng, path_id, application_id, line, activity, start, months_long, completed, **links):
        end = add_months(start, months_long) - timedelta(days=1)
        if not completed:
            end = start + timedelta(days=rng.randrange(10, max(11, (end - start).days)))
        values = {
            "id_percorso": path_id,
            "id_candidatura": application_id,
            "direttrice": line,
            "attivita": activity,
            "id_azienda": links.get("company"),
            "id_opportunita": links.get("opening"),
            "id_progetto": links.get("project"),
            "data_inizio": start,
            "data_fine": None,
            "esito": None,
        }
        closed = {**values, "data_fine": end, "esito": "COMPLETATO" if completed else "INTERROTTO"}
        rows.add("percorsi", path_id, [(at(start, rng), values), (at(end + timedelta(days=1), rng), closed)])
        return end

    def _paths(self, rows, rng, person, application_id, interviewed, ready, birth) -> None:
        """What a person in target does: a placement now, or empowerment first."""
        path_ids = iter(range(application_id * 10 + 1, application_id * 10 + 10))
        start = interviewed + timedelta(days=rng.randrange(10, 50))
        if not ready:
            activity = rng.choice(["ORIENTAMENTO", "FORMAZIONE", "FORMAZIONE"])
            end = self._path(
                rows,
                rng,
                next(path_ids),
                application_id,
                "EMPOWERMENT",
                activity,
                start,
                rng.choice([2, 3, 4]),
                rng.random() < 0.8,
            )
            if rng.random() < 0.15 and self.social_projects:
                project, submitted = rng.choice(self.social_projects)
                social_start = max(end, submitted) + timedelta(days=rng.randrange(10, 60))
                self._path(
                    rows,
                    rng,
                    next(path_ids),
                    application_id,
                    "PROGETTO_SOCIALE",
                    "ACCOMPAGNAMENTO",
                    social_start,
                    6,
                    rng.random() < 0.7,
                    project=project,
                )
                return
            if rng.random() < 0.5:
                return
            start = end + timedelta(days=rng.randrange(10, 60))
        if start > self.end:
            return
        choice = rng.random()
        if choice < 0.08:  # a self-employment project, with the programme's support
            project_id = application_id * 10 + 1
            title = rng.choice(names.IPL_SELF_EMPLOYMENT_TITLES)
            self._path(
                rows,
                rng,
                next(path_ids),
                application_id,
                "AUTOIMPIEGO",
                "ACCOMPAGNAMENTO",
                start,
                6,
                rng.random() < 0.8,
                project=project_id,
            )
            self._project(
                rows,
                rng,
                project_id,
                "AUTOIMPIEGO",
                title,
                application_id,
                start + timedelta(days=rng.randrange(20, 90)),
            )
        elif choice < 0.68:  # an internship at a board company, maybe hired there
            host = self._active_company(rng, start)
            if host is None:
                return
            completed = rng.random() < 0.85
            path_id = next(path_ids)
            proposed = [opening_id for opening_id, day in host.internships if day <= start]
            opening = rng.choice(proposed) if proposed and rng.random() < 0.7 else None
            end = self._path(
                rows,
                rng,
                path_id,
                application_id,
                "INSERIMENTO_AZIENDA",
                "TIROCINIO",
                start,
                6,
                completed,
                company=host.company_id,
                opening=opening,
            )
            self.florence._hire(
                person,
                rng,
                start,
                "C.01.00",
                host.company,
                add_months(start, 6) - timedelta(days=1),
                **self._co_place(),
            )
            young = (start - birth).days < 30 * 365
            funder, line = ("ARCIDIOCESI", "GIOVANI") if young else ("COMUNE_BOLOGNA", "TIROCINI")
            month = first_day(start)
            for k in range(1, 10):  # the allowance of each month, paid the next month (at most 9)
                if month > first_day(end):
                    break
                pay_day = add_months(month, 1) + timedelta(days=9)
                self._expense(
                    rows, rng, 100_000_000 + path_id * 10 + k, pay_day, funder, line, INTERNSHIP_ALLOWANCE, path=path_id
                )
                month = add_months(month, 1)
            if completed and rng.random() < 0.5:
                self._job(person, rng, end + timedelta(days=rng.randrange(1, 45)), host.company, host)
        else:  # active search with the programme's support; hired by a board company or elsewhere
            end = self._path(
                rows,
                rng,
                next(path_ids),
                application_id,
                "INSERIMENTO_AZIENDA",
                rng.choice(["RICERCA_ATTIVA", "ACCOMPAGNAMENTO"]),
                start,
                3,
                rng.random() < 0.85,
            )
            if rng.random() < 0.45:
                day = self._day(rng, start, end + timedelta(days=60))
                employer = self._active_company(rng, day) if rng.random() < 0.7 else None
                self._job(person, rng, day, employer.company if employer else None, employer)

    def _co_place(self) -> dict:
        return {"workplace": names.BOLOGNA, "centres": names.BOLOGNA_EMPLOYMENT_CENTRES}

    def _job(self, person, rng, start: date, employer: Company | None, board: BoardCompany | None) -> None:
        """One employment relationship and its CO notices (a board company or an employer outside it)."""
        if start > self.end:
            return
        if employer is None:
            body = f"{rng.randrange(1, 9_999_999):07d}037"
            ateco, _, word, occupation = weighted(rng, [(s, s[1]) for s in names.SECTORS])
            name = f"{word} {rng.choice(names.BOLOGNA_COMPANY_WORDS)} {rng.choice(names.COMPANY_FORMS)}"
            employer = Company(body + luhn.calc_check_digit(body), name, ateco, occupation, ())
        contract = weighted(rng, names.CONTRACTS)
        if contract == "A.01.00":
            planned_end = None
        elif contract == "A.03.00":
            planned_end = add_months(start, rng.choice([24, 36])) - timedelta(days=1)
        else:
            planned_end = add_months(start, rng.choice([3, 6, 6, 12])) - timedelta(days=1)
        self.florence._hire(person, rng, start, contract, employer, planned_end, **self._co_place())
