-- The batch's versions raw does not hold yet into raw: a version is new unless it is in
-- the main partition (the conflict) or in a first load's (the probe, through each
-- partition's version index). Returns how many were inserted (parameter: the source object).
with ins as (
    insert into {raw} ({columns}, _batch_id, _source_table, _row_checksum)
    select {columns}, _batch_id, %s, _row_checksum
    from {landing} l
    where not exists (select from {raw} r
                      where r.{primary_key} = l.{primary_key} and r._row_checksum = l._row_checksum
                        and r._segment <> 0)
      {unfailed}
    on conflict ({primary_key}, _row_checksum, _segment) do nothing
    returning 1
)
select count(*) from ins
