-- Load the waiting notices whose relationship has arrived, under a new batch, and mark
-- them released. Returns how many were released.
with ready as ({ready} for update of q),
ins as (
    insert into raw.co_notices ({columns}, _batch_id, _file_name, _line_number, _row_checksum)
    select {columns}, %(batch)s, n._file_name, n._line_number, n._row_checksum
    from ready, jsonb_populate_record(null::raw.co_notices, ready.parsed) n
    order by ready.quarantine_id
),
upd as (
    update quarantine.co_rows q set released_batch_id = %(batch)s, released_at = now()
    from ready where q.quarantine_id = ready.quarantine_id
    returning 1
)
select count(*) from upd
