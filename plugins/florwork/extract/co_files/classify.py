"""Classification of a run's landed CO rows: the fate of each (loaded, duplicate,
quarantined, waiting for its relationship) decided in delivery order, as sets in SQL
(the programs are in ``sql/``: landed_rows, loaded_firsts, outcomes)."""

from __future__ import annotations

import psycopg
from psycopg import sql

from florwork import quality, sqlfiles
from florwork.extract.co_files.land import Delivery
from florwork.extract.co_files.parse import EVENTS_WITH_REFERENCE

PENDING_REASON = "refers to a notice not received yet: waits for it"
# The classification's window and joins sort the run's rows: in memory, not on disk.
WORK_MEM = "64MB"
_SQL = __package__


def classify(wh: psycopg.Connection, deliveries: list[Delivery]) -> None:
    """Decide the fate of every landed row into the temporary table ``co_outcomes``
    (row id, batch, outcome, reason; dropped at commit), and count it in its file's result.

    In delivery order (file, then line), a row: fails validation (its reasons are in
    raw.landing_failures); repeats a notice already received (a duplicate if the
    content is the same, quarantined if not); repeats one already waiting (a
    duplicate); waits for a relationship not received yet (``PENDING_REASON``); or is
    loaded, and then counts as received for the rows after it. SQL does it as sets, in
    three temporary tables (the run's rows, the first rows that load, the outcomes): a
    notice new to the warehouse is decided by its first valid row, which
    loads unless it needs a relationship that is neither in raw nor a notice loaded
    earlier in the run (a recursive walk along the references, each to an earlier row);
    its later rows are duplicates or conflicts of that first row, or duplicates of a
    waiting one. Nothing per row passes through Python, whatever the run's size.
    """
    files = [d for d in deliveries if d.batch_id is not None]
    wh.execute(sqlfiles.query(_SQL, "file_batches.sql"), ([d.path.name for d in files], [d.batch_id for d in files]))
    wh.execute(
        sqlfiles.query(_SQL, "landed_rows.sql", failures=sql.SQL(quality.FAILURES_BY_ROW)), ("raw.landing_co_notices",)
    )
    wh.execute("alter table co_landed add primary key (row_id)")
    wh.execute("create index on co_landed (notice_id) where row_id = first_row")
    wh.execute("analyze co_landed")
    wh.execute(
        sqlfiles.query(_SQL, "loaded_firsts.sql", events=sql.SQL(", ").join(map(sql.Literal, EVENTS_WITH_REFERENCE)))
    )
    wh.execute("alter table co_loaded add primary key (row_id)")
    wh.execute("analyze co_loaded")
    wh.execute(sqlfiles.query(_SQL, "outcomes.sql", pending=sql.Literal(PENDING_REASON)))
    wh.execute("alter table co_outcomes add primary key (row_id)")
    wh.execute("analyze co_outcomes")
    results = {d.batch_id: d.result for d in files}
    for batch_id, loaded, duplicate, quarantined in wh.execute(
        "select batch_id, count(*) filter (where outcome = 'loaded'), count(*) filter (where outcome = 'duplicate'), "
        "count(*) filter (where outcome in ('quarantined', 'pending')) from co_outcomes group by batch_id"
    ):
        result = results[batch_id]
        result.rows_loaded, result.rows_duplicate, result.rows_quarantined = loaded, duplicate, quarantined
