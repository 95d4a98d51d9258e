"""Every extraction task of every source at once, as Airflow's scheduler runs them.

Each task is a process of its own (as a LocalExecutor worker is), so each bootstraps the
warehouse, prepares GX and loads its table beside the others. Several rounds, the first
on an empty warehouse, must leave exactly what the sources hold: every current source
version in raw or quarantine, no version twice, every batch reconciled.
"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from conftest import ROOT, query
from florwork import contracts, months
from florwork.generate import write

TASK = """
import sys
from datetime import datetime
from florwork import pipeline
source, table, cutoff = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])
context = {"data_interval_end": cutoff}
print(pipeline.load_co_files(context) if source == "co" else pipeline.extract_table(source, table, context))
"""

TASKS = [(t.source, t.name) for source in ("sis", "partner") for t in contracts.tables(source)] + [("co", "files")]


def run_round(cutoff) -> list[str]:
    def one(task):
        done = subprocess.run(
            [sys.executable, "-c", TASK, *task, cutoff.isoformat()],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )
        return task, done

    with ThreadPoolExecutor(max_workers=len(TASKS)) as pool:
        results = list(pool.map(one, TASKS))
    return [f"{task}: exit {done.returncode}\n{done.stderr[-3000:]}" for task, done in results if done.returncode]


def source_versions(source: str, table: contracts.SourceTable, cutoff) -> set[tuple[str, str]]:
    columns = ", ".join(table.column_names)
    return set(
        query(
            f"{source}_source",
            f"select {table.primary_key}::text, hash_record_extended(row({columns}), 0)"
            f"::text from {table.qualified} where aggiornato_il < %s",
            (cutoff,),
        )
    )


def test_every_extraction_task_at_once_loses_and_duplicates_nothing(platform):
    write.generate("demo", 7, months.parse_month("2025-03"), progress=print)
    cutoffs = [months.month_cutoff(months.parse_month(m)) for m in ("2025-01", "2025-02", "2025-03", "2025-03")]
    for cutoff in cutoffs:
        failures = run_round(cutoff)
        assert not failures, "\n".join(failures)

    final = cutoffs[-1]
    for source in ("sis", "partner"):
        for table in contracts.tables(source):
            raw = query("warehouse", f"select {table.primary_key}::text, _row_checksum from raw.{table.raw_table}")
            assert len(raw) == len(set(raw)), f"{table.qualified}: a version stored twice"
            quarantined = set(
                query(
                    "warehouse",
                    "select source_key, row_checksum from quarantine.source_rows where source_object = %s",
                    (table.qualified,),
                )
            )
            held = set(raw) | quarantined
            missing = source_versions(source, table, final) - held
            assert not missing, (
                f"{table.qualified}: {len(missing)} current source versions neither in raw nor quarantine"
            )
    notices = query("warehouse", "select count(*), count(distinct id_comunicazione) from raw.co_notices")[0]
    assert notices[0] == notices[1] and notices[0] > 0
    assert query(
        "warehouse", "select count(*) from ops.co_files where status not in ('loaded', 'duplicate_content')"
    ) == [(0,)]
    batches = query(
        "warehouse",
        "select status, bool_and(rows_received = rows_loaded + rows_duplicate + "
        "rows_quarantined), count(*) from ops.batches group by status",
    )
    assert [(status, ok) for status, ok, _ in batches] == [("done", True)], batches
