-- The landing's failing rows (in _failed) into quarantine with their reasons; a row
-- already quarantined with the same content is accounted for there once
-- (parameters: the batch id, the source object).
insert into quarantine.source_rows (batch_id, source_object, source_key, row_checksum, row_data, reasons)
select %s, %s, l.{primary_key}::text, l._row_checksum,
       to_jsonb(l) - '_landing_row_id' - '_batch_id' - '_cf_valid' - '_segment' - '_source_table' - '_extracted_at',
       f.reasons
from {landing} l
join _failed f on f.landing_row_id = l._landing_row_id
on conflict (source_object, row_checksum) do nothing
