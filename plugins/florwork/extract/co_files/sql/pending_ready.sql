-- Waiting notices whose relationship has arrived and which are not loaded yet.
select q.quarantine_id, q.parsed
from quarantine.co_rows q
where q.is_pending and q.released_at is null
  and exists (select from raw.co_notices r where r.id_comunicazione = q.parsed->>'id_comunicazione_rif')
  and not exists (select from raw.co_notices r where r.id_comunicazione = q.parsed->>'id_comunicazione')
