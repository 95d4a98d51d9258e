-- The run's files and their ledger batches (parameters: the names, the batch ids).
create temp table co_file_batches on commit drop as
select * from unnest(%s::text[], %s::bigint[]) f(file_name, batch_id)
