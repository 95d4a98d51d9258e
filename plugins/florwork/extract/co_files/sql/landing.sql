-- The run's landed rows, parsed, until they are published (emptied under the load's lock).
create table if not exists raw.landing_co_notices (
    like raw.co_notices including defaults,
    _cf_valid boolean not null,
    _raw_line text not null,
    _landing_row_id bigserial primary key
)
