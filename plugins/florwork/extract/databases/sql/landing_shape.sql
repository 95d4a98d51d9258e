-- The landing table's shape, to recognise an older layout: its persistence, whether it
-- has an index, and its row id sequence's cache (parameters: schema, table).
select c.relpersistence,
       exists (select from pg_index i where i.indrelid = c.oid),
       (select s.seqcache from pg_depend d join pg_sequence s on s.seqrelid = d.objid
        where d.refobjid = c.oid and d.deptype = 'i')
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = %s and c.relname = %s
