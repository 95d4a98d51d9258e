-- Register every file of the run in ops.co_files (parameters: arrays, one element a file).
insert into ops.co_files (file_name, size_bytes, sha256, file_date, received_at, processed_at, status,
                          duplicate_of, batch_id, rows_read, rows_loaded, rows_duplicate, rows_quarantined, message)
select f.name, f.size, f.sha, f.day, to_timestamp(f.mtime), now(), f.status, f.twin, f.batch_id,
       f.read, f.loaded, f.duplicate, f.quarantined, f.message
from unnest(%s::text[], %s::bigint[], %s::text[], %s::date[], %s::float8[], %s::text[], %s::text[],
            %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[])
     as f (name, size, sha, day, mtime, status, twin, batch_id, read, loaded, duplicate, quarantined, message)
