"""The savings method of docs/method.md §5, written the plain way, for the tests.

It reads what the platform reads (the SIS source as it stands, the CO notices loaded into
raw, the budget office's seeds) and follows the method's steps one person and one month
at a time, in Python, with none of the warehouse's models: its participant months and
budget months must equal `marts.fct_participant_months` and `marts.budget_monthly`
exactly (tests/e2e/test_generated_pipeline.py, on generated data with every kind of dirt).
Only the person_key is the warehouse's (`ops.person_key`, the keyed pseudonym).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from stdnum.it import codicefiscale

CENT = Decimal("0.01")
# SIS's categoria_target as the platform names it (docs/method.md §5 step 2); any other: OTHER.
CATEGORIES = {
    "SVANTAGGIATO_381": "DISADVANTAGED_L381",
    "DISABILE_45": "DISABLED_OVER_45",
    "NEET": "NEET",
    "CARE_LEAVER": "CARE_LEAVER",
    "NEOMAGGIORENNE_ACCOLTO": "YOUNG_ADULT_LEAVING_CARE",
    "DISOCCUPATO_LUNGA_DURATA_50": "LONG_TERM_UNEMPLOYED_50",
}


def eur(value) -> Decimal:
    """Half-up to cents (docs/method.md §5: amounts rounded at publication)."""
    return Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)


def cents(value) -> Decimal:
    return eur(value).quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def normal_cf(cf: str) -> str:
    return cf.strip().upper()


@dataclass(frozen=True)
class Rule:
    version: str
    valid_from: date
    baseline_months: int
    min_employed_days: int
    max_counted_months: int
    lower: Fraction
    upper: Fraction
    efficiency_share: Fraction
    innovation_share: Fraction
    baseline_method: str


def read_rules(path) -> list[Rule]:
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    return sorted(
        (
            Rule(
                r["rule_version"],
                date.fromisoformat(r["valid_from"]),
                int(r["baseline_months"]),
                int(r["min_employed_days"]),
                int(r["max_counted_months"]),
                Fraction(r["lower_threshold"]),
                Fraction(r["upper_threshold"]),
                Fraction(r["efficiency_share"]),
                Fraction(r["innovation_share"]),
                r.get("baseline_method") or "PAID_BENEFITS",
            )
            for r in rows
        ),
        key=lambda rule: rule.valid_from,
    )


def rule_in_force(rules: list[Rule], month: date) -> Rule:
    """The rule in force on the month's first day; before the earliest, the earliest."""
    return ([r for r in rules if r.valid_from <= month] or rules[:1])[-1]


def relationships(notices: list[dict]) -> list[dict]:
    """§5 step 3: corrections and cancellations applied, then each relationship's notices
    in order of (sending date, id). Returns the employment relationships (not internships)
    with the worker's CF, start and end (None: open)."""
    cancelled = {n["id_comunicazione_rif"] for n in notices if n["tipo_evento"] == "ANNULLAMENTO"}
    latest_correction: dict[str, dict] = {}
    for n in sorted(notices, key=lambda n: (n["data_invio"], n["id_comunicazione"])):
        if n["tipo_evento"] == "RETTIFICA" and n["id_comunicazione"] not in cancelled:
            latest_correction[n["id_comunicazione_rif"]] = n
    standing = []
    for n in notices:
        if n["tipo_evento"] in ("RETTIFICA", "ANNULLAMENTO") or n["id_comunicazione"] in cancelled:
            continue
        fixed = latest_correction.get(n["id_comunicazione"])
        if fixed:
            keep = ("id_comunicazione", "tipo_evento", "data_invio", "id_comunicazione_rif")
            n = {**fixed, **{k: n[k] for k in keep}}
        standing.append(n)
    hirings = {n["id_comunicazione"]: n for n in standing if n["tipo_evento"] == "ASSUNZIONE"}
    events = defaultdict(list)
    for n in standing:
        if n["tipo_evento"] == "ASSUNZIONE":
            events[n["id_comunicazione"]].append(n)
        elif n["tipo_evento"] in ("PROROGA", "TRASFORMAZIONE", "CESSAZIONE") and n["id_comunicazione_rif"] in hirings:
            events[n["id_comunicazione_rif"]].append(n)
    result = []
    for hiring_id, hiring in hirings.items():
        end, contract = None, None
        for n in sorted(events[hiring_id], key=lambda n: (n["data_invio"], n["id_comunicazione"])):
            end = n["data_cessazione"] if n["tipo_evento"] == "CESSAZIONE" else n["data_fine"]
            if n["tipo_evento"] in ("ASSUNZIONE", "TRASFORMAZIONE"):
                contract = n["tipo_contratto"]
        if contract != "C.01.00":
            result.append({"cf": normal_cf(hiring["cf_lavoratore"]), "start": hiring["data_inizio"], "end": end})
    return result


def days_by_month(spans: list[tuple[date, date]]) -> dict[date, int]:
    """§5 step 4: the days of each month covered by the union of the spans, a day once."""
    days: set[date] = set()
    for start, end in spans:
        day = start
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    counted: dict[date, int] = defaultdict(int)
    for day in days:
        counted[day.replace(day=1)] += 1
    return counted


def compute(sis, warehouse, seeds_dir, through: date) -> tuple[dict, dict]:
    """(participant months, budget months) as the method defines them, through ``through``.

    participant months: {(person_key, programme, month): (days_employed, is_employed_month,
    benefits_paid_eur, baseline_monthly_eur, is_counted_month, saving_eur, rule_version)};
    budget months: {(programme, month): (realised, expected, realised YTD, expected YTD,
    R, tier, efficiency, innovation, not reinvested, rule_version)}."""
    rules = read_rules(seeds_dir / "reinvestment_rules.csv")
    last_day = month_end(through)
    costs = {}
    if (seeds_dir / "theoretical_costs.csv").exists():
        with open(seeds_dir / "theoretical_costs.csv") as handle:
            costs = {
                (r["rule_version"], CATEGORIES.get(r["target_category"], "OTHER")): Fraction(r["monthly_cost_eur"])
                for r in csv.DictReader(handle)
            }

    # §2: a person is a valid CF; a SIS id whose CF fails its check is not one. A person's
    # target category is that of their latest SIS record.
    cf_of, category, latest = {}, {}, {}
    for pid, cf, code, updated in sis.execute(
        "select id_assistito, codice_fiscale, categoria_target, aggiornato_il from sis.assistiti"
    ):
        if codicefiscale.is_valid(normal_cf(cf)):
            cf = cf_of[pid] = normal_cf(cf)
            if (updated, pid) > latest.get(cf, (updated, -1)):
                latest[cf], category[cf] = (updated, pid), CATEGORIES.get(code, "OTHER")
    # §5 step 1: participants and their intake dates.
    intake: dict[tuple[str, str], date] = {}
    for pid, programme, outcome_date in sis.execute(
        "select id_assistito, programma, data_esito from sis.segnalazioni "
        "where esito = 'PRESO_IN_CARICO' and data_esito is not null"
    ):
        if pid in cf_of:
            key = (cf_of[pid], programme)
            intake[key] = min(outcome_date, intake.get(key, outcome_date))
    paid: dict[tuple[str, date], Fraction] = defaultdict(Fraction)
    for pid, month, amount in sis.execute(
        "select id_assistito, mese_competenza, importo from sis.erogazioni where stato = 'PAGATO'"
    ):
        if pid in cf_of:
            paid[(cf_of[pid], month)] += Fraction(amount)

    columns = [
        "id_comunicazione",
        "tipo_evento",
        "data_invio",
        "id_comunicazione_rif",
        "cf_lavoratore",
        "tipo_contratto",
        "data_inizio",
        "data_fine",
        "data_cessazione",
    ]
    notices = [dict(zip(columns, row)) for row in warehouse.execute(f"select {', '.join(columns)} from raw.co_notices")]
    jobs = defaultdict(list)
    for r in relationships(notices):
        jobs[r["cf"]].append(r)

    cfs = sorted({cf for cf, _ in intake})
    key_of = dict(warehouse.execute("select cf, ops.person_key(cf) from unnest(%s::text[]) as cf", (cfs,)))

    months: dict = {}
    for (cf, programme), intake_date in intake.items():
        intake_month = intake_date.replace(day=1)
        spans = []
        for job in jobs[cf]:
            if intake_date <= job["start"] <= last_day:
                end = min(job["end"] or last_day, last_day)
                if end >= job["start"]:
                    spans.append((job["start"], end))
        employed_days = days_by_month(spans)
        employed_so_far = 0
        month = intake_month
        while month <= through:
            rule = rule_in_force(rules, month)
            if rule.baseline_method == "THEORETICAL_COST":  # §5 step 2: the category's cost
                baseline = costs[(rule.version, category[cf])]
            else:  # the payments of the months before the intake
                window = (paid[(cf, add_months(intake_month, -k))] for k in range(1, rule.baseline_months + 1))
                baseline = sum(window, Fraction()) / rule.baseline_months
            days = employed_days.get(month, 0)
            employed = days >= rule.min_employed_days
            employed_so_far += employed
            counted = employed and employed_so_far <= rule.max_counted_months
            benefits = paid[(cf, month)]
            saving = cents(max(Fraction(0), baseline - benefits)) if counted else Decimal("0.00")
            months[(key_of[cf], programme, month)] = (
                days,
                employed,
                cents(benefits),
                cents(baseline),
                counted,
                saving,
                rule.version,
            )
            month = add_months(month, 1)

    realised: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for (_, programme, month), row in months.items():
        realised[(programme, month)] += row[5]
    with open(seeds_dir / "budget_targets.csv") as handle:
        targets = sorted(
            (r["programme"], date.fromisoformat(r["month"]), Fraction(r["expected_savings_eur"]))
            for r in csv.DictReader(handle)
        )
    budget: dict = {}
    ytd: dict[tuple[str, int], tuple[Fraction, Fraction]] = {}
    for programme, month, expected in targets:
        if month > through:
            continue
        s, e = ytd.get((programme, month.year), (Fraction(), Fraction()))
        s, e = s + Fraction(realised[(programme, month)]), e + expected
        ytd[(programme, month.year)] = (s, e)
        rule = rule_in_force(rules, month)
        r = s / e if e else None
        if r is None:
            tier, efficiency, innovation = None, Fraction(), Fraction()
        else:
            tier = "A" if r <= rule.lower else "B" if r <= rule.upper else "C"
            efficiency = rule.efficiency_share * max(Fraction(0), min(r, rule.upper) - rule.lower) * e
            innovation = rule.innovation_share * max(Fraction(0), r - rule.upper) * e
        budget[(programme, month)] = (
            cents(Fraction(realised[(programme, month)])),
            cents(expected),
            cents(s),
            cents(e),
            None if r is None else eur(r).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
            tier,
            cents(efficiency),
            cents(innovation),
            cents(s - Fraction(cents(efficiency)) - Fraction(cents(innovation))),
            rule.version,
        )
    return months, budget
