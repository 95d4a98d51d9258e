"""A curious BI user against the published marts (docs/method.md §6; docs/architecture.md, "Personal
data and small cells").

On a generated demo dataset of both programmes (with mistyped CFs, families employing
domestic workers and sole traders), as a login granted `bi_reader` only, the attacker:

- tries to reach any person-level table carrying personal attributes;
- tries to work out any suppressed cell of every published breakdown from its published
  cells, the totals published elsewhere (the programme funnel, the other breakdowns of
  the same people) and the nesting of its counts (taken in charge <= referred ...);
- looks for any employer who is a person, by name or CF.

It must find nothing; and it does find something when a rule is removed: `dim_people`
back in `marts`, complementary suppression off, a person employer's name published. Then
every schema but raw and quarantine, the run's logs, dbt's logs, GX's validation store
and its data docs are scanned for the test data's CFs (the quarantined ones among them),
names, birth dates, notes and the names of employers who are people.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from conftest import query
from florwork import config, months, quality, transform
from florwork.generate import write

MONTH = "2025-06"
PERSONAL_ATTRIBUTES = {
    "sex",
    "gender",
    "age",
    "age_band",
    "birth_year",
    "birth_date",
    "citizenship",
    "citizenship_code",
    "citizenship_group",
    "district",
    "municipality",
    "municipality_code",
    "education",
    "education_level",
    "target_category",
    "target_category_code",
}
# Every published breakdown: its breakdown keys, its cell, its counts (the first one
# counts the people of the cell, so it is at least 1), the nesting of its counts and the
# totals published elsewhere for them. A new breakdown in marts must be added here.
BREAKDOWNS = {
    "outcomes_by_group": {
        "partition": ("programme", "attribute"),
        "cell": "attribute_value",
        "counts": ("people_referred", "people_taken_in_charge", "people_placed_in_work", "people_employed_6m_after"),
        "totals": {
            "people_referred": "select programme, sum(people_referred) from marts.programme_funnel group by 1",
            "people_taken_in_charge": "select programme, sum(people_taken_in_charge) from marts.programme_funnel "
            "group by 1",
            "people_placed_in_work": "select programme, sum(people_hired) from marts.programme_funnel group by 1",
        },
    },
    "ipl_applicants_by_group": {
        "partition": ("dimension",),
        "cell": "group_value",
        "counts": ("people",),
        "totals": {
            # every dimension's cells add up to the applicants, one row each in ipl_journeys
            "people": "select d, (select count(*) from marts.ipl_journeys) from "
            "unnest(array['age_band', 'gender', 'education', 'municipality', 'referring_body']) as d",
        },
    },
}


@pytest.fixture(scope="module")
def attacked(embedded_server):
    from conftest import fresh_platform

    platform = fresh_platform()
    write.generate("demo", 11, months.parse_month(MONTH), {"sis_invalid_cf": 0.03, "co_bad_cf": 0.02}, progress=print)
    # The CLI in a process of its own, as a user runs it: its log file is the run's log.
    done = subprocess.run(
        [str(Path(sys.executable).parent / "florwork"), "run", "--through", MONTH],
        env={**os.environ, "FLORWORK_START_MONTH": MONTH},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    logs = sorted((config.state_dir() / "logs").glob("run-*.log"))
    quality.reset()
    quality.build_data_docs()
    admin = platform.connection_uri("warehouse")
    with psycopg.connect(admin, autocommit=True) as wh:
        wh.execute("drop role if exists curious_bi_user")
        wh.execute("create role curious_bi_user login")
        wh.execute("grant bi_reader to curious_bi_user")
    bi = re.sub(r"^postgresql://[^@]*@", "postgresql://curious_bi_user@", admin)
    return platform, admin, bi, logs[-1]


def readable_relations(bi: str) -> dict[tuple[str, str], dict[str, str]]:
    """Every table and view the login can select from, with its columns and types."""
    with psycopg.connect(bi, autocommit=True) as conn:
        rows = conn.execute(
            "select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
            "where c.relkind in ('r', 'v', 'm', 'p', 'f') and n.nspname not in ('pg_catalog', 'information_schema') "
            "and n.nspname not like 'pg_toast%%' and has_schema_privilege(n.oid, 'usage') "
            "and has_table_privilege(c.oid, 'select')"
        ).fetchall()
    relations: dict = {}
    for schema, table, column, data_type in rows:
        relations.setdefault((schema, table), {})[column] = data_type
    return relations


def person_level_attributes(bi: str) -> list[str]:
    """Relations with one row per person (a person_key) and a personal attribute."""
    found = []
    for (schema, table), columns in readable_relations(bi).items():
        attributes = PERSONAL_ATTRIBUTES & set(columns)
        if "person_key" in columns and attributes:
            found.append(f"{schema}.{table}: {', '.join(sorted(attributes))}")
    return found


def _bounds(cells: list, floor: int, total: int | None, upper: list) -> list[tuple[int, int]]:
    """Interval propagation over one column of one breakdown: each suppressed cell's least
    and greatest possible value given the published cells, the total and the nesting."""
    bounds = [
        (v, v) if v is not None else (floor, upper[i] if upper[i] is not None else 10**9) for i, v in enumerate(cells)
    ]
    if total is None:
        return bounds
    for _ in range(10):
        changed = False
        for i, (lo, hi) in enumerate(bounds):
            if cells[i] is not None:
                continue
            others_lo = sum(b[0] for j, b in enumerate(bounds) if j != i)
            others_hi = sum(b[1] for j, b in enumerate(bounds) if j != i)
            new = (max(lo, total - others_hi), min(hi, total - others_lo))
            if new != (lo, hi):
                bounds[i], changed = new, True
        if not changed:
            break
    return bounds


def recovered_cells(bi: str) -> list[str]:
    """Every suppressed cell the attacker can work out exactly (a small non-zero count)."""
    relations = readable_relations(bi)
    published = [t for (s, t), cols in relations.items() if s == "marts" and "suppressed" in cols]
    assert set(published) == set(BREAKDOWNS), f"a published breakdown the attack does not know: {published}"
    found = []
    with psycopg.connect(bi, autocommit=True) as conn:
        for table, spec in BREAKDOWNS.items():
            keys = [*spec["partition"], spec["cell"]]
            rows = conn.execute(f"select {', '.join(keys + list(spec['counts']))} from marts.{table}").fetchall()
            groups: dict = {}
            for row in rows:
                groups.setdefault(row[: len(spec["partition"])], []).append(row)
            totals = {column: dict(conn.execute(sql).fetchall()) for column, sql in spec["totals"].items()}
            for index, column in enumerate(spec["counts"]):
                position = len(keys) + index
                # Totals also come from any fully published breakdown of the same programme.
                for group, members in groups.items():
                    if all(m[position] is not None for m in members):
                        totals.setdefault(column, {}).setdefault(group[0], sum(m[position] for m in members))
                for group, members in groups.items():
                    cells = [m[position] for m in members]
                    if None not in cells:
                        continue
                    # A count never exceeds the count it nests in (the column before it).
                    upper = [m[position - 1] if index else None for m in members]
                    total = totals.get(column, {}).get(group[0])
                    for member, (lo, hi) in zip(members, _bounds(cells, 1 if index == 0 else 0, total, upper)):
                        if member[position] is None and lo == hi and lo > 0:
                            found.append(f"{table} {member[: len(keys)]} {column} = {lo}")
    return found


def employers_who_are_people(admin: str) -> tuple[set[str], set[str]]:
    """Names and CFs of the employers who are people, as raw holds them."""
    with psycopg.connect(admin, autocommit=True) as wh:
        rows = wh.execute(
            "select upper(denominazione_datore), upper(regexp_replace(cf_datore, '\\s', '', 'g')) from raw.co_notices "
            "where length(regexp_replace(cf_datore, '\\s', '', 'g')) = 16 "
            "union select upper(denominazione), upper(cf_azienda) from raw.partner_aziende "
            "where length(cf_azienda) = 16 "
            "union select upper(denominazione), upper(cf_azienda) from raw.ipl_aziende "
            "where length(cf_azienda) = 16"
        ).fetchall()
    return {r[0] for r in rows if r[0]}, {r[1] for r in rows if r[1]}


def published_person_employers(bi: str, names: set[str], cfs: set[str]) -> list[str]:
    found = []
    with psycopg.connect(bi, autocommit=True) as conn:
        for (schema, table), columns in readable_relations(bi).items():
            for column, data_type in columns.items():
                if not data_type.startswith(("text", "character")):
                    continue
                hit = conn.execute(
                    f'select "{column}" from "{schema}"."{table}" where upper("{column}") = any(%s) limit 1',
                    (sorted(names | cfs),),
                ).fetchone()
                if hit:
                    found.append(f"{schema}.{table}.{column}: {hit[0]}")
    return found


def test_a_curious_bi_user_finds_nothing_and_would_without_the_rules(attacked):
    platform, admin, bi, _ = attacked
    names, cfs = employers_who_are_people(admin)
    assert names and cfs, "the synthetic sources have employers who are people"

    # With the rules: nothing.
    assert person_level_attributes(bi) == []
    with psycopg.connect(bi, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select * from marts_restricted.dim_people limit 1")
    assert recovered_cells(bi) == []
    assert published_person_employers(bi, names, cfs) == []
    assert (
        query(
            "warehouse", "select count(*) from marts.dim_employers where employer_is_person and employer_name is null"
        )[0][0]
        > 0
    )

    # An analyst under a data-processing agreement reads the person-level attributes.
    with psycopg.connect(admin, autocommit=True) as wh:
        wh.execute("drop role if exists dpa_analyst")
        wh.execute("create role dpa_analyst login")
        wh.execute("grant analyst to dpa_analyst")
    analyst = bi.replace("curious_bi_user@", "dpa_analyst@")
    with psycopg.connect(analyst, autocommit=True) as conn:
        assert conn.execute("select count(*) from marts_restricted.dim_people").fetchone()[0] > 0
        assert conn.execute("select count(*) from marts.budget_monthly").fetchone()[0] > 0

    # Without the rules, the same attack finds what they protect.
    with psycopg.connect(admin, autocommit=True) as wh:
        wh.execute("create table marts.dim_people as select * from marts_restricted.dim_people")
        wh.execute("grant select on marts.dim_people to bi_reader")
        wh.execute("create table marts.employer_names as select denominazione_datore from raw.co_notices")
        wh.execute("grant select on marts.employer_names to bi_reader")
    try:
        assert person_level_attributes(bi) == [
            "marts.dim_people: age_band, citizenship_group, district, education_level, sex, target_category"
        ]
        assert published_person_employers(bi, names, cfs)
    finally:
        with psycopg.connect(admin, autocommit=True) as wh:
            wh.execute("drop table marts.dim_people, marts.employer_names")
    through = months.parse_month(MONTH)
    transform.run_dbt(
        "run",
        through,
        [
            "--select",
            "outcomes_by_group",
            "--vars",
            f"{{through_month: '{through.isoformat()}', complementary_suppression: false}}",
        ],
    )
    try:
        assert recovered_cells(bi), "without complementary suppression a suppressed cell is the total less the others"
    finally:
        transform.run_dbt("run", through, ["--select", "outcomes_by_group"])
    assert recovered_cells(bi) == []


def personal_strings(admin: str) -> dict[str, set[str]]:
    """What the test data holds that is personal, as raw and quarantine hold it."""
    with psycopg.connect(admin, autocommit=True) as wh:
        people = wh.execute(
            "select upper(codice_fiscale), upper(cognome || ' ' || nome), upper(nome || ' ' || cognome), "
            "data_nascita from raw.sis_assistiti union select upper(codice_fiscale), upper(cognome || ' ' || nome), "
            "upper(nome || ' ' || cognome), data_nascita from raw.ipl_candidature"
        ).fetchall()
        quarantined = {
            r[0]
            for r in wh.execute(
                "select upper(row_data->>'codice_fiscale') from quarantine.source_rows "
                "where row_data ? 'codice_fiscale'"
            ).fetchall()
            if r[0]
        }
        notes = {
            r[0]
            for r in wh.execute(
                "select note from raw.partner_profilazioni where length(note) > 20 "
                "union select note from raw.ipl_candidature where length(note) > 20"
            )
        }
    names, employer_cfs = employers_who_are_people(admin)
    return {
        "cf": {p[0] for p in people} | quarantined | employer_cfs,
        "quarantined_cf": quarantined,
        "name": {p[1] for p in people} | {p[2] for p in people} | names,
        "birth_date": {p[3].isoformat() for p in people if p[3] and p[3].year <= 2005},
        "note": notes,
    }


def test_nothing_personal_outside_raw_quarantine_logs_or_docs(attacked):
    platform, admin, _, log = attacked
    found = personal_strings(admin)
    assert found["quarantined_cf"], "some CFs were quarantined (mistyped), so their absence below means something"
    assert found["note"] and found["birth_date"]

    # Every table and view outside raw and quarantine (the database check).
    with psycopg.connect(admin, autocommit=True) as wh:
        columns = wh.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            "where table_schema not in ('raw', 'quarantine', 'pg_catalog', 'information_schema', 'pg_toast')"
        ).fetchall()
        leaks = []
        text_values = sorted(found["cf"] | found["name"] | found["note"])
        for schema, table, column, data_type in columns:
            target = f'"{schema}"."{table}"'
            if data_type in ("text", "character varying", "character"):
                hit = wh.execute(
                    f'select "{column}" from {target} where upper("{column}") = any(%s) limit 1',
                    ([v.upper() for v in text_values],),
                ).fetchone()
            elif data_type in ("json", "jsonb"):
                hit = wh.execute(
                    f'select left("{column}"::text, 80) from {target} t where exists (select from '
                    f"unnest(%s::text[]) v where upper(t.\"{column}\"::text) like '%%' || v || '%%') limit 1",
                    (sorted(found["cf"] | found["name"]),),
                ).fetchone()
            elif data_type == "date":
                hit = wh.execute(
                    f'select "{column}" from {target} where "{column}"::text = any(%s) limit 1',
                    (sorted(found["birth_date"]),),
                ).fetchone()
            else:
                continue
            if hit:
                leaks.append(f"{schema}.{table}.{column}: {hit[0]}")
    assert leaks == []

    # The logs (the run's, Airflow's, dbt's), GX's validation store and its data docs.
    files = [
        log,
        *(config.state_dir() / "dbt" / "logs").rglob("*.log"),
        *quality.gx_dir().rglob("*"),
        *(Path(config.state_dir()) / "airflow" / "logs").rglob("*"),
    ]
    files = [f for f in files if f.is_file() and f.suffix in (".log", ".json", ".html", "")]
    docs = [f for f in files if f.suffix == ".html"]
    assert docs and log.stat().st_size > 0
    patterns = {kind: values for kind, values in found.items() if kind != "quarantined_cf"}
    assert personal_hits(files, patterns) == []

    # The scan finds what it looks for: a log line with a quarantined CF.
    canary = config.state_dir() / "logs" / "canary.log"
    canary.write_text(f"rejected row of {sorted(found['quarantined_cf'])[0]}\n")
    try:
        assert personal_hits([canary], patterns) == [f"{canary}: cf"]
    finally:
        canary.unlink()


def personal_hits(files: list[Path], patterns: dict[str, set[str]]) -> list[str]:
    hits = []
    for path in files:
        text = path.read_text(errors="replace").upper()
        hits += [f"{path}: {kind}" for kind, values in patterns.items() if any(v.upper() in text for v in values)]
    return hits
