"""Materialise the simulated history up to a month: source databases, CO files, seeds.

`generate(scale, seed, through)` writes what the real systems would hold at the end of
``through``. Run again with a later month, it adds what happened since: new rows,
changed rows (a later ``aggiornato_il``) and new files, never touching a file already
delivered. Rows stream to PostgreSQL with COPY (one stream per table, into a temporary
table, then one upsert), so memory stays bounded at every scale; only the CO notices,
a few hundred bytes each, are held until their files are written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from psycopg import sql

from florwork import config, contracts, months, warehouse
from florwork.errors import GenerateError
from florwork.generate import bologna
from florwork.generate import cf as cfgen
from florwork.generate.simulate import DIRT_DEFAULTS, SCALES, Simulator

STATE_FILE = "generator.json"


def _state_path() -> Path:
    return config.state_dir() / STATE_FILE


def seeds_dir() -> Path:
    return config.state_dir() / "seeds"


def _as_of(versions, cutoff: datetime | None):
    if cutoff is None:
        return None
    current = None
    for stamp, values in versions:
        if stamp < cutoff:
            current = (stamp, values)
    return current


def _co_field(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    return str(value)


def _co_line(values: dict, dirt: str | None) -> bytes:
    fields = [_co_field(values[c]) for c in contracts.co_column_names()]
    encoding = "latin-1"
    if dirt == "co_bad_cf":
        fields[4] = cfgen.corrupt(fields[4].strip().upper())
    elif dirt == "co_impossible_date":
        year = values["data_inizio"].year if values.get("data_inizio") else values["data_invio"].year
        fields[10] = f"31/02/{year}"
    elif dirt == "co_bad_code":
        fields[9] = "A.99.00"
    elif dirt == "co_wrong_field_count":
        fields = fields[:-1]
    elif dirt == "co_not_latin1":
        fields[6] = (fields[6] or "Società") + " – Società"
        encoding = "utf-8"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="").writerow(fields)
    return buffer.getvalue().encode(encoding)


class _TableWriter:
    """One COPY stream into a temporary copy of a source table; upserted at the end."""

    def __init__(self, conn_id: str, table: contracts.SourceTable):
        self.table = table
        self.conn = warehouse.connect(conn_id)
        self.conn.execute(
            sql.SQL("create temp table _gen (like {}) on commit drop").format(sql.Identifier(table.source, table.name))
        )
        self.copy_cm = self.conn.cursor().copy("copy _gen from stdin")
        self.copy = self.copy_cm.__enter__()
        self.rows = 0

    def write(self, stamp: datetime, values: dict) -> None:
        self.copy.write_row([*(values[c] for c in self.table.column_names[:-1]), stamp])
        self.rows += 1

    def finish(self) -> int:
        self.copy_cm.__exit__(None, None, None)
        cols = self.table.column_names
        pk = self.table.primary_key
        self.conn.execute(
            sql.SQL(
                "insert into {t} select * from _gen on conflict ({pk}) do update set ({cols}) = ({ex}) "
                "where {t}.aggiornato_il < excluded.aggiornato_il"
            ).format(
                t=sql.Identifier(self.table.source, self.table.name),
                pk=sql.Identifier(pk),
                cols=sql.SQL(", ").join(sql.Identifier(c) for c in cols if c != pk),
                ex=sql.SQL(", ").join(sql.SQL("excluded.{}").format(sql.Identifier(c)) for c in cols if c != pk),
            )
        )
        self.conn.commit()
        self.conn.close()
        return self.rows


def _notice_entry(notice) -> tuple:
    """A simulated CO notice as _write_co_files groups it: its days, id, line and dirt (a
    late hiring is a well-formed line delivered late)."""
    line = _co_line(notice.values, notice.dirt if notice.dirt != "co_hiring_late" else None)
    return (notice.produced, notice.delivered, notice.values["id_comunicazione"], line, notice.dirt)


def _emit(writer: _TableWriter, versions, old_cutoff, new_cutoff) -> None:
    new = _as_of(versions, new_cutoff)
    if new is None:
        return
    old = _as_of(versions, old_cutoff)
    if old is None or old[0] != new[0]:
        writer.write(*new)


def generate(scale_name: str, seed: int, through: date, dirt: dict | None = None, progress=print) -> dict:
    """Fill the sources with the simulated history up to the end of ``through``."""
    if scale_name not in SCALES:
        raise GenerateError(f"unknown scale {scale_name!r}: use one of {', '.join(SCALES)}")
    scale = SCALES[scale_name]
    unknown = set(dirt or {}) - set(DIRT_DEFAULTS)
    if unknown:
        raise GenerateError(f"unknown kinds of dirt: {', '.join(sorted(unknown))}")
    rates = {**DIRT_DEFAULTS, **(dirt or {})}
    if through > months.month_of(datetime.combine(scale.sim_end, datetime.min.time(), months.TZ)):
        raise GenerateError(f"the {scale_name} scale is simulated up to {scale.sim_end:%Y-%m}")
    state = json.loads(_state_path().read_text()) if _state_path().exists() else None
    old_cutoff = None
    if state:
        if (state["scale"], state["seed"], state["dirt"]) != (scale_name, seed, rates):
            raise GenerateError(
                f"the sources hold the {state['scale']} scale with seed {state['seed']} (and its dirt settings): "
                "generate with the same settings, or start from empty sources (`make clean`)"
            )
        old_cutoff = months.month_cutoff(months.parse_month(state["through"]))
    new_cutoff = months.month_cutoff(through)
    if old_cutoff is not None and new_cutoff <= old_cutoff:
        progress(f"The sources already hold everything through {state['through']}.")
        return {**state, "unchanged": True}
    started = time.monotonic()
    simulator = Simulator(scale, seed, rates)

    # Companies (partner network) and people's identities first: the other SIS tables
    # reference sis.assistiti.
    companies = _TableWriter("partner_source", contracts.table("partner", "aziende"))
    for company in simulator.companies:
        _emit(companies, company.versions, old_cutoff, new_cutoff)
    counts = {"partner.aziende": companies.finish()}
    people = _TableWriter("sis_source", contracts.table("sis", "assistiti"))
    for pid in range(1, scale.people + 1):
        _emit(people, simulator.identity(pid).assistiti, old_cutoff, new_cutoff)
    counts["sis.assistiti"] = people.finish()

    writers = {
        name: _TableWriter(conn, contracts.table(source, name))
        for conn, source, name in (
            ("sis_source", "sis", "segnalazioni"),
            ("sis_source", "sis", "erogazioni"),
            ("partner_source", "partner", "profilazioni"),
            ("partner_source", "partner", "percorsi"),
        )
    }
    notices: list[tuple[date, date, str, bytes, str | None]] = []
    intakes: dict[tuple[str, date], int] = defaultdict(int)
    dirt_count: dict[str, int] = defaultdict(int)
    trials: dict[str, int] = defaultdict(int)
    for pid in range(1, scale.people + 1):
        person = simulator.person(pid)
        for name, rows in (
            ("segnalazioni", person.segnalazioni),
            ("erogazioni", person.erogazioni),
            ("profilazioni", person.profilazioni),
            ("percorsi", person.percorsi),
        ):
            for _, versions in rows:
                _emit(writers[name], versions, old_cutoff, new_cutoff)
        notices.extend(_notice_entry(notice) for notice in person.notices)
        for programme, day in person.intakes:
            intakes[(programme, day.replace(day=1))] += 1
        for kind, n in person.dirt.items():
            dirt_count[kind] += n
        for kind, n in person.trials.items():
            trials[kind] += n
        if pid % 20000 == 0:
            progress(f"  {pid:,} of {scale.people:,} people simulated ({time.monotonic() - started:.0f} s)")
    for name, writer in writers.items():
        counts[f"{'sis' if name in ('segnalazioni', 'erogazioni') else 'partner'}.{name}"] = writer.finish()

    if config.source_configured("ipl"):
        counts.update(
            _generate_bologna(simulator, scale_name, seed, old_cutoff, new_cutoff, notices, dirt_count, trials)
        )
    else:
        progress("  Bologna's case platform is not configured (AIRFLOW_CONN_IPL_SOURCE): not generated")

    files = _write_co_files(notices, seed, rates, new_cutoff, dirt_count, trials)
    counts["co files"] = files
    _write_seeds(scale, intakes)
    state = {
        "scale": scale_name,
        "seed": seed,
        "dirt": rates,
        "through": f"{through:%Y-%m}",
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "rows_written": counts,
        "dirt_counts": dict(sorted(dirt_count.items())),
        "dirt_trials": dict(sorted(trials.items())),
    }
    _state_path().parent.mkdir(parents=True, exist_ok=True)
    _state_path().write_text(json.dumps(state, indent=2) + "\n")
    return state


def _generate_bologna(simulator, scale_name, seed, old_cutoff, new_cutoff, notices, dirt_count, trials) -> dict:
    """Insieme per il lavoro's tables (generate/bologna.py); the applicants' CO notices join ``notices``."""
    programme = bologna.Bologna(simulator, scale_name, seed)
    writers = {t.name: _TableWriter("ipl_source", t) for t in contracts.tables("ipl")}
    # Parents first within one stream each: the tables' references hold once all are upserted.
    units = [programme.board_rows, programme.allocations()]
    for rows in units:
        _emit_rows(writers, rows, old_cutoff, new_cutoff, dirt_count, trials)
    for i in range(1, programme.scale.applicants + 1):
        rows = programme.applicant(i)
        _emit_rows(writers, rows, old_cutoff, new_cutoff, dirt_count, trials)
        notices.extend(_notice_entry(notice) for notice in rows.notices)
    return {f"ipl.{name}": writer.finish() for name, writer in writers.items()}


def _emit_rows(writers, rows, old_cutoff, new_cutoff, dirt_count, trials) -> None:
    for table, entries in rows.tables.items():
        for _, versions in entries:
            _emit(writers[table], versions, old_cutoff, new_cutoff)
    for kind, n in rows.dirt.items():
        dirt_count[kind] += n
    for kind, n in rows.trials.items():
        trials[kind] += n


def _write_co_files(notices, seed, rates, cutoff: datetime, dirt_count, trials) -> int:
    """Group the notices into daily files (with the file-level dirt) and write the new ones."""
    folder = config.co_landing_dir() / "co"
    folder.mkdir(parents=True, exist_ok=True)
    by_day: dict[date, list] = defaultdict(list)
    for produced, delivered, notice_id, line, dirt in notices:
        by_day[produced].append((notice_id, line))
    last_day = cutoff.astimezone(months.TZ).date()
    written = 0
    header = ";".join(contracts.co_column_names()).encode("latin-1")

    def write(name: str, lines: list[bytes], delivered: date) -> None:
        nonlocal written
        path = folder / name
        if delivered >= last_day or path.exists():
            return
        path.write_bytes(b"\r\n".join([header, *lines]) + b"\r\n")
        stamp = datetime.combine(delivered, datetime.min.time(), months.TZ).timestamp() + 7 * 3600
        os.utime(path, (stamp, stamp))
        written += 1

    for day in sorted(by_day):
        rng = random.Random(f"{seed}:file:{day.isoformat()}")
        rows = sorted(by_day[day])
        lines = [line for _, line in rows]
        delivered = day + timedelta(days=1)
        name = f"CO_{day:%Y%m%d}.csv"
        for kind in ("late_file", "resent_day", "duplicate_delivery", "co_id_conflict"):
            trials[kind] += 1
        if rng.random() < rates["late_file"]:
            dirt_count["late_file"] += 1
            delivered += timedelta(days=rng.randrange(5, 40))
        suffix = 2
        extra: list[tuple[str, list[bytes], date]] = []
        if rng.random() < rates["resent_day"]:
            # the re-sent day repeats an earlier row and adds the rows held back (a third)
            dirt_count["resent_day"] += 1
            held_back = lines[len(lines) - len(lines) // 3 :] if len(lines) >= 2 else []
            lines = lines[: len(lines) - len(held_back)]
            extra.append(
                (
                    f"CO_{day:%Y%m%d}_{suffix}.csv",
                    lines[:1] + held_back,
                    delivered + timedelta(days=rng.randrange(1, 4)),
                )
            )
            suffix += 1
        if rng.random() < rates["duplicate_delivery"]:
            dirt_count["duplicate_delivery"] += 1
            extra.append(
                (f"CO_{day:%Y%m%d}_{suffix}.csv", list(lines), delivered + timedelta(days=rng.randrange(1, 4)))
            )
            suffix += 1
        if rng.random() < rates["co_id_conflict"]:
            dirt_count["co_id_conflict"] += 1
            original = lines[0].decode("latin-1", errors="replace")
            changed = original.rsplit(";", 1)[0] + ";CPI_ALTRO"
            extra.append(
                (
                    f"CO_{day:%Y%m%d}_{suffix}.csv",
                    [changed.encode("latin-1", errors="replace")],
                    delivered + timedelta(days=rng.randrange(1, 4)),
                )
            )
        write(name, lines, delivered)
        for extra_name, extra_lines, extra_day in extra:
            write(extra_name, extra_lines, extra_day)
    return written


# The synthetic city's theoretical costs for its 2025 rule (THEORETICAL_COST): those of
# the worked example (plugins/florwork/demo/savings_theoretical), with the categories it
# lacks. Illustrative figures: a city sets its own from its cost accounting.
THEORETICAL_RULE = ("2025-1", date(2025, 1, 1))
THEORETICAL_COSTS = {
    "SVANTAGGIATO_381": "600.00",
    "DISABILE_45": "700.00",
    "CARE_LEAVER": "650.00",
    "NEET": "450.00",
    "NEOMAGGIORENNE_ACCOLTO": "900.00",
    "DISOCCUPATO_LUNGA_DURATA_50": "550.00",
    "ALTRO": "400.00",
}


def _write_seeds(scale, intakes: dict) -> None:
    """The demo's budget targets, rules and theoretical costs: what the budget office would
    have set.

    The expected savings of a month are planned from the intakes of the previous 18
    months: about a fifth of them saving ~380 EUR a month under the benefits-paid rules,
    ~600 EUR (the cost avoided) under the 2025 theoretical-cost rule; rounded to 100 EUR.
    """
    folder = seeds_dir()
    folder.mkdir(parents=True, exist_ok=True)
    first, last = scale.target_months
    rows = []
    for programme in scale.programmes:
        month = first
        while month <= last:
            recent = sum(
                n
                for (p, m), n in intakes.items()
                if p == programme and months.previous_month(month) >= m > months.add_months(month, -19)
            )
            value = 600 if month >= THEORETICAL_RULE[1] else 380
            expected = round(recent * 0.18 * value / 100) * 100
            rows.append(f"{programme},{month.isoformat()},{expected:.2f}")
            month = months.next_month(month)
    (folder / "budget_targets.csv").write_text("programme,month,expected_savings_eur\n" + "\n".join(rows) + "\n")
    start = scale.sim_start.replace(day=1)
    version, valid_from = THEORETICAL_RULE
    (folder / "reinvestment_rules.csv").write_text(
        "rule_version,valid_from,baseline_months,min_employed_days,max_counted_months,lower_threshold,"
        "upper_threshold,efficiency_share,innovation_share,baseline_method\n"
        f"{start.year}-1,{start.isoformat()},6,15,12,0.5,1.0,0.7,1.0,PAID_BENEFITS\n"
        "2024-1,2024-01-01,6,15,12,0.5,1.0,0.75,1.0,PAID_BENEFITS\n"
        f"{version},{valid_from.isoformat()},6,15,12,0.5,1.0,0.75,1.0,THEORETICAL_COST\n"
    )
    (folder / "theoretical_costs.csv").write_text(
        "rule_version,target_category,monthly_cost_eur\n"
        + "".join(f"{version},{category},{cost}\n" for category, cost in THEORETICAL_COSTS.items())
    )
