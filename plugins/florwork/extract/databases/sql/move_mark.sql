-- The table's high-water mark moves to the batch's cutoff (parameters: the source
-- object, the cutoff, the batch id).
insert into ops.extract_state (source_object, high_water_mark, batch_id)
values (%s, %s, %s)
on conflict (source_object) do update
set high_water_mark = excluded.high_water_mark, batch_id = excluded.batch_id, updated_at = now()
