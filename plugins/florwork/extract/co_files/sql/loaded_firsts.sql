-- Step 2: the first rows of new notices that load: those needing no relationship from
-- the run (none at all, or one already in raw), then, step by step, those whose
-- relationship's first row loaded before them (events: those with a reference).
create temp table co_loaded on commit drop as
with recursive
firsts as (
    select n.row_id, n.event in ({events}) and r.id_comunicazione is null as needs_run_ref, rf.first_row as ref_row
    from co_landed n
    left join raw.co_notices r on r.id_comunicazione = n.ref
    left join co_landed rf on rf.notice_id = n.ref and rf.row_id = rf.first_row
    where n.row_id = n.first_row
),
loaded (row_id) as (
    select row_id from firsts where not needs_run_ref
    union all
    select f.row_id from firsts f join loaded p on p.row_id = f.ref_row
    where f.needs_run_ref and f.ref_row < f.row_id
)
select row_id from loaded
