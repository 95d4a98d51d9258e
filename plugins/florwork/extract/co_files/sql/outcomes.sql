-- Step 3: the outcome of every landed row (loaded, duplicate, quarantined, pending) and
-- its reason (pending: a notice waiting for its relationship).
create temp table co_outcomes on commit drop as
with fate as materialized (
    select l.row_id, l.file_name, l.reasons, l.notice_id,
           case when l.reasons is not null then 'quarantined'
                when l.received_checksum is not null then
                     case when l.received_checksum = l.checksum then 'duplicate' else 'conflict' end
                when l.waiting then 'duplicate'
                when l.row_id = l.first_row then case when this.row_id is not null then 'loaded' else 'pending' end
                when first.row_id is not null then
                     case when l.checksum = l.first_checksum then 'duplicate' else 'conflict' end
                else 'duplicate'  -- the notice's first row waits: so does the notice
           end as outcome
    from co_landed l
    left join co_loaded this on this.row_id = l.row_id
    left join co_loaded first on first.row_id = l.first_row
)
select f.row_id, m.batch_id,
       case when f.outcome = 'conflict' then 'quarantined' else f.outcome end as outcome,
       case f.outcome when 'quarantined' then f.reasons
                      when 'conflict' then format('id_comunicazione %s already received with other content', f.notice_id)
                      when 'pending' then {pending} end as reason
from fate f join co_file_batches m using (file_name)
