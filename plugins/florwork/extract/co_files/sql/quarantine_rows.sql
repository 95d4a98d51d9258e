-- The run's quarantined and pending rows into quarantine.co_rows, in delivery order. A
-- pending row keeps its parsed values (jsonb, without the raw line), to be loaded when
-- its relationship arrives.
insert into quarantine.co_rows (batch_id, file_name, line_number, raw_line, reason, is_pending, parsed)
select o.batch_id, l._file_name, l._line_number, l._raw_line, o.reason, o.outcome = 'pending',
       case when o.outcome = 'pending'
            then to_jsonb(l) - '_landing_row_id' - '_raw_line' || jsonb_build_object('_batch_id', o.batch_id)
       end
from co_outcomes o
join raw.landing_co_notices l on l._landing_row_id = o.row_id
where o.outcome in ('quarantined', 'pending')
order by o.row_id
