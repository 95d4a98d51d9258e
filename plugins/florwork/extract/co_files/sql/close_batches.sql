-- Close the run's batches with their counts (parameters: arrays, one element a file).
update ops.batches b
set status = 'done', finished_at = now(), rows_received = v.received, rows_loaded = v.loaded,
    rows_duplicate = v.duplicate, rows_quarantined = v.quarantined, message = v.message
from unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[])
     as v (batch_id, received, loaded, duplicate, quarantined, message)
where b.batch_id = v.batch_id
