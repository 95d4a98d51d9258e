-- Step 1 of the classification: every landed row with its validation reasons, whether
-- its notice is already in raw or waiting in quarantine, and, for a row of a new
-- notice, the notice's first such row (in delivery order: file, then line).
-- Formatted with the failures of quality.FAILURES_BY_ROW; parameter: the landing table.
create temp table co_landed on commit drop as
with landed as (
    select l._landing_row_id as row_id, l._file_name as file_name, l.id_comunicazione as notice_id,
           l.tipo_evento as event, l.id_comunicazione_rif as ref, l._row_checksum as checksum,
           array_to_string(f.reasons, '; ') as reasons, k._row_checksum as received_checksum,
           -- a hashed subplan: one pass over the waiting notices, whatever their statistics say
           coalesce(l.id_comunicazione in (select parsed->>'id_comunicazione' from quarantine.co_rows
                                           where is_pending and released_at is null), false) as waiting
    from raw.landing_co_notices l
    left join ({failures}) f (row_id, reasons) on f.row_id = l._landing_row_id
    left join raw.co_notices k on k.id_comunicazione = l.id_comunicazione
)
select landed.*,
       -- a valid row of a notice neither received nor waiting (a new notice): its notice's first such row
       case when reasons is null and received_checksum is null and not waiting
            then first_value(row_id) over new end as first_row,
       case when reasons is null and received_checksum is null and not waiting
            then first_value(checksum) over new end as first_checksum
from landed
window new as (partition by notice_id, reasons is null and received_checksum is null and not waiting
               order by row_id)
