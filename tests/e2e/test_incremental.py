"""The incremental models give the same tables as a full refresh: over a sequence of
months with late data, corrections (a CF corrected, a payment moved to a later month), a
person registered twice (two ids, one CF), a rule change and new Bologna months; and a
broken person selection is caught."""

from datetime import date, timedelta

from conftest import query
from florwork import config, months, pipeline, runner, transform, warehouse
from florwork.extract import co_files, databases
from florwork.generate import cf, write

TABLES = [
    "staging.stg_social_services__people",
    "staging.stg_social_services__payments",
    "intermediate.int_payments_paid",
    "intermediate.int_participant_months_classified",
    "intermediate.int_participant_months_capped",
    "marts.fct_participant_months",
    "marts.budget_monthly",
    "intermediate.int_journeys_assembled",
    "marts.fct_journeys",
    "intermediate.int_journey_events_unioned",
    "marts.fct_journey_events",
    "marts.ipl_journeys",
]
BOOKKEEPING = ("_source_watermark", "_rules_fingerprint", "_through_month", "_built_at", "_referrals_extracted_at")


def contents(table: str) -> tuple:
    drop = "".join(f" - '{column}'" for column in BOOKKEEPING)
    return query(
        "warehouse",
        f"""
        select count(*), md5(coalesce(string_agg(r, '|' order by r), ''))
        from (select (to_jsonb(t){drop})::text as r from {table} t) as rows""",
    )[0]


def written_by_last_build(table: str) -> tuple[int, int]:
    """Rows the last build wrote, and all rows."""
    return query(
        "warehouse",
        f"select count(*) filter (where _built_at >= (select max(started_at) from ops.warehouse_builds)), "
        f"count(*) from {table}",
    )[0]


def change_sis(sql: str, params: tuple) -> None:
    with warehouse.connect("sis_source", autocommit=True) as sis:
        assert sis.execute(sql, params).rowcount == 1


def change_a_rule() -> None:
    """The budget office lowers the 2025 rule's minimum of employed days (15 -> 10)."""
    rules = config.seeds_dir() / "reinvestment_rules.csv"
    lines = rules.read_text().splitlines()
    header = lines[0].split(",")
    column = header.index("min_employed_days")
    changed = []
    for line in lines:
        fields = line.split(",")
        if fields[0] == "2025-1":
            fields[column] = "10"
        changed.append(",".join(fields))
    assert changed != lines
    rules.write_text("\n".join(changed) + "\n")


def correct_a_cf_and_move_a_payment(updated_at: str) -> tuple[str, str, str]:
    """SIS corrects a participant's CF (a new person_key: the rows under the old one must
    go) and moves another participant's paid January benefit to February (January must
    lose it). Returns the old person_key, the corrected CF and the payer's person_key."""
    person_id, old_key = query(
        "warehouse",
        "select people.person_id, people.person_key from staging.stg_social_services__people as people "
        "inner join intermediate.int_participants_identified as participants using (person_key) "
        "order by people.person_id limit 1",
    )[0]
    payment_id, payer_key = query(
        "warehouse",
        "select payments.payment_id, people.person_key from staging.stg_social_services__payments as payments "
        "inner join staging.stg_social_services__people as people using (person_id) "
        "inner join intermediate.int_participants_identified as participants using (person_key) "
        "where payments.competence_month = '2025-01-01' and payments.payment_status = 'PAID' "
        "and participants.intake_month <= '2025-01-01' and people.person_id <> %s order by payments.payment_id limit 1",
        (person_id,),
    )[0]
    corrected = cf.build("Corretto", "Codice", date(1980, 1, 1), "M", "D612")
    change_sis(
        "update sis.assistiti set codice_fiscale = %s, aggiornato_il = %s where id_assistito = %s",
        (corrected, updated_at, person_id),
    )
    change_sis(
        "update sis.erogazioni set mese_competenza = '2025-02-01', aggiornato_il = %s where id_erogazione = %s",
        (updated_at, payment_id),
    )
    return old_key, corrected, payer_key


def register_a_paid_participant_twice(updated_at: str) -> str:
    """SIS registers a participant paid in April a second time (a new id, the same CF) and
    pays April's benefit under the new id too: one person_key, two person ids, both paid
    in a month the build rebuilds. Returns the person_key."""
    person_id, person_key = query(
        "warehouse",
        "select people.person_id, people.person_key from staging.stg_social_services__people as people "
        "inner join intermediate.int_participants_identified as participants using (person_key) "
        "inner join staging.stg_social_services__payments as payments using (person_id) "
        "where payments.competence_month = '2025-03-01' and payments.payment_status = 'PAID' "
        "order by people.person_id desc limit 1",  # not the one whose CF is corrected (the lowest id)
    )[0]
    change_sis(
        "insert into sis.assistiti select (select max(id_assistito) + 1 from sis.assistiti), codice_fiscale, "
        "cognome, nome, data_nascita, sesso, cittadinanza, titolo_studio, comune_residenza, quartiere, "
        "categoria_target, %s from sis.assistiti where id_assistito = %s",
        (updated_at, person_id),
    )
    for paid_to in (person_id, None):  # the first id keeps being paid; the second is paid too
        change_sis(
            "insert into sis.erogazioni select (select max(id_erogazione) + 1 from sis.erogazioni), "
            "coalesce(%s, (select max(id_assistito) from sis.assistiti)), 'BUONI_SPESA', '2025-04-01', 50, "
            "'PAGATO', %s",
            (paid_to, updated_at),
        )
    return person_key


def assert_the_corrections_were_taken_up(old_key: str, corrected: str, payer_key: str) -> None:
    for table in ("intermediate.int_participant_months_classified", "intermediate.int_journeys_assembled"):
        assert query("warehouse", f"select count(*) from {table} where person_key = %s", (old_key,))[0][0] == 0
    assert (
        query(
            "warehouse",
            "select count(*) from intermediate.int_journeys_assembled where person_key = ops.person_key(%s)",
            (corrected,),
        )[0][0]
        > 0
    )
    january_paid = query(
        "warehouse",
        "select coalesce(sum(amount_eur), 0) from staging.stg_social_services__payments as payments "
        "inner join staging.stg_social_services__people as people using (person_id) "
        "where people.person_key = %s and competence_month = '2025-01-01' and payment_status = 'PAID'",
        (payer_key,),
    )[0][0]
    assert (
        query(
            "warehouse",
            "select coalesce(sum(benefits_paid_eur), 0) from intermediate.int_payments_paid "
            "where person_key = %s and month = '2025-01-01'",
            (payer_key,),
        )[0][0]
        == january_paid
    )


def test_incremental_equals_full_refresh_over_months_with_late_data_and_a_rule_change(platform, tmp_path):
    write.generate("demo", 21, months.parse_month("2025-06"), progress=print)
    log = tmp_path / "run.log"
    # Each month extracts what reached the sources by its end: payments cancelled later,
    # CO notices delivered late and referrals decided after the month they are about.
    runner.run(months.parse_month("2025-02"), progress=print, log_path=log)
    change_a_rule()
    runner.run(months.parse_month("2025-03"), progress=print, log_path=log)  # everyone recomputed
    written, total = written_by_last_build("intermediate.int_participant_months_classified")
    assert written == total, "a rule change recomputes every participant month"
    # In April SIS corrects a CF and moves a January payment to February.
    corrections = correct_a_cf_and_move_a_payment("2025-04-10 12:00+02")
    registered_twice = register_a_paid_participant_twice("2025-04-10 12:00+02")
    runner.run(months.parse_month("2025-05"), progress=print, log_path=log)  # April, then May
    assert_the_corrections_were_taken_up(*corrections)
    # Both ids' April payments are one person's April (the full refresh below agrees).
    assert query(
        "warehouse",
        "select payment_count >= 2 from intermediate.int_payments_paid where person_key = %s and month = '2025-04-01'",
        (registered_twice,),
    ) == [(True,)]

    # May's build wrote May's rows and the history of the persons whose sources changed.
    for table in ("intermediate.int_participant_months_classified", "intermediate.int_participant_months_capped"):
        written, total = written_by_last_build(table)
        new_month = query("warehouse", f"select count(*) from {table} where month = '2025-05-01'")[0][0]
        assert new_month <= written < total / 2, f"{table}: the build wrote {written} of {total} rows"
    # The journeys and their events: only the persons whose sources changed.
    for table in ("intermediate.int_journeys_assembled", "intermediate.int_journey_events_unioned"):
        written, total = written_by_last_build(table)
        assert 0 < written < total / 2, f"{table}: the build wrote {written} of {total} rows"
    rebuilt = query(
        "warehouse",
        "select count(distinct person_key) from intermediate.int_participant_months_classified "
        "where _built_at >= (select max(started_at) from ops.warehouse_builds) and month < '2025-05-01'",
    )[0][0]
    assert rebuilt > 0, "late data rebuilt some persons' earlier months"

    # Then only one source changes: SIS moves a payment again (and its people registry has
    # June's changes), and the build visits what lies downstream of SIS alone
    # (pipeline.build_scope): no partner, Bologna or CO source, no new month.
    change_sis(
        "update sis.erogazioni set mese_competenza = '2025-03-01', aggiornato_il = '2025-06-02 09:00+02' "
        "where id_erogazione = (select min(id_erogazione) from sis.erogazioni where mese_competenza = '2025-04-01')",
        (),
    )
    databases.extract_source("sis", months.month_cutoff(months.parse_month("2025-05")) + timedelta(days=2))
    build = pipeline.recorded_build(months.parse_month("2025-05"), pipeline.data_cutoff())
    sources_selected = [s for s in build["selected"] or [] if s.startswith("source:")]
    assert build["outcome"] == "built" and "source:social_services.sis_erogazioni+" in sources_selected, build
    assert all(s.startswith("source:social_services.") for s in sources_selected), build
    incremental = {t: contents(t) for t in TABLES}

    transform.run_dbt("build", months.parse_month("2025-05"), extra=["--full-refresh"])
    assert {t: contents(t) for t in TABLES} == incremental


def test_a_broken_person_selection_is_caught(platform, tmp_path):
    """The same comparison fails when the build forgets the persons whose sources changed."""
    write.generate("demo", 21, months.parse_month("2025-03"), progress=print)
    january = months.parse_month("2025-01")
    runner.run(january, progress=print, log_path=tmp_path / "run.log")
    # Data about January and before that arrives later, extracted up to the end of March.
    cutoff = months.month_cutoff(months.parse_month("2025-03"))
    for source in ("sis", "partner", "ipl"):
        databases.extract_source(source, cutoff)
    co_files.load_co_files(date(2025, 4, 1))

    broken = "{through_month: '2025-01-01', fault_ignore_changed_persons: true}"
    transform.run_dbt("build", january, extra=["--vars", broken])
    incremental = {t: contents(t) for t in TABLES}
    transform.run_dbt("build", january, extra=["--full-refresh"])
    full = {t: contents(t) for t in TABLES}
    differ = [t for t in TABLES if incremental[t] != full[t]]
    assert "intermediate.int_participant_months_classified" in differ and "marts.budget_monthly" in differ
