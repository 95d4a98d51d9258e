-- The run's loaded rows into raw.co_notices, in delivery order.
insert into raw.co_notices ({columns}, _batch_id, _file_name, _line_number, _row_checksum)
select {landed_columns}, o.batch_id, l._file_name, l._line_number, l._row_checksum
from co_outcomes o
join raw.landing_co_notices l on l._landing_row_id = o.row_id
where o.outcome = 'loaded'
order by o.row_id
