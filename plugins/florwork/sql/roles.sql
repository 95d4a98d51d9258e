-- Run after every table of the bootstrap exists (raw tables are created from the
-- contracts in Python), so the grants reach them.

-- Roles (docs/method.md §6): each component runs with the least privilege it needs.
--   florwork_loader       extraction: writes raw, quarantine and the ledger in ops
--   florwork_transformer  dbt and the budget run: reads raw, builds staging, intermediate,
--                         reference and marts, appends to marts.budget_runs
--   bi_reader             BI tools: reads marts, nothing else, including future tables
--   analyst               analysts under a data-processing agreement: what bi_reader reads,
--                         and the person-level attributes of marts_restricted
-- All four are group roles (NOLOGIN); logins are granted them.
do $$
begin
    if not exists (select from pg_roles where rolname = 'florwork_loader') then
        create role florwork_loader nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'florwork_transformer') then
        create role florwork_transformer nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'bi_reader') then
        create role bi_reader nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'analyst') then
        create role analyst nologin;
    end if;
end $$;

create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists reference;
create schema if not exists marts_restricted;
-- Person-level attributes moved from marts to marts_restricted: the copy an older build
-- left in marts must not stay readable by bi_reader.
drop table if exists marts.dim_people;

revoke all on schema raw, quarantine, ops, staging, intermediate, reference, marts, marts_restricted from public;
revoke execute on function ops.person_key(text) from public;

grant usage, create on schema raw, quarantine to florwork_loader;
grant usage on schema ops to florwork_loader, florwork_transformer;
grant select, insert, update, delete on all tables in schema raw, quarantine to florwork_loader;
grant select, insert, update on ops.batches, ops.extract_state, ops.co_files, ops.validation_results to florwork_loader;
grant usage on all sequences in schema raw, quarantine, ops to florwork_loader;
grant select on ops.batches, ops.extract_state, ops.co_files, ops.not_loaded to florwork_transformer;
grant select, insert, update, delete on ops.platform_lock_holders to florwork_loader, florwork_transformer;

grant usage on schema raw to florwork_transformer;
grant select on all tables in schema raw to florwork_transformer;
alter default privileges in schema raw grant select on tables to florwork_transformer;
alter default privileges for role florwork_loader in schema raw grant select on tables to florwork_transformer;
grant usage, create on schema staging, intermediate, reference, marts, marts_restricted to florwork_transformer;
grant execute on function ops.person_key(text) to florwork_transformer;
revoke execute on function ops.fail(text) from public;
grant execute on function ops.fail(text) to florwork_transformer;
grant select, insert on ops.warehouse_builds to florwork_transformer;
grant usage on sequence ops.warehouse_builds_build_id_seq to florwork_transformer;
grant select, insert, update, delete on ops.build_inputs to florwork_transformer;
grant select, insert on ops.source_freshness to florwork_transformer;
grant select on ops.bootstrap_state, ops.migrations to florwork_transformer;
grant select (key_fingerprint) on ops.pseudonymisation_key to florwork_transformer;
grant select, insert on marts.budget_runs to florwork_transformer;

grant usage on schema marts to bi_reader;
grant select on all tables in schema marts to bi_reader;
alter default privileges for role florwork_transformer in schema marts grant select on tables to bi_reader;
alter default privileges in schema marts grant select on tables to bi_reader;

grant bi_reader to analyst;
grant usage on schema marts_restricted to analyst;
grant select on all tables in schema marts_restricted to analyst;
alter default privileges for role florwork_transformer in schema marts_restricted grant select on tables to analyst;
alter default privileges in schema marts_restricted grant select on tables to analyst;

-- dbt rebuilds its relations as florwork_transformer: hand over those created before
-- the roles existed (an older warehouse), so it can replace them.
do $$
declare
    rel record;
begin
    for rel in
        select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('staging', 'intermediate', 'reference', 'marts', 'marts_restricted') and c.relkind in ('r', 'v', 'm')
          and not (n.nspname = 'marts' and c.relname in ('budget_runs', 'budget_runs_latest'))
          and pg_get_userbyid(c.relowner) <> 'florwork_transformer'
    loop
        execute format('alter %s %I.%I owner to florwork_transformer',
                       case rel.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
                       rel.nspname, rel.relname);
    end loop;
end $$;

-- The loader owns the tables of raw it loads (every source's, whatever the contracts
-- hold; raw.landing_failures stays the platform's): a first load is attached as a partition
-- (extract/databases/partitions.py), and a loader analyzes what it loaded; both need ownership.
do $$
declare
    rel record;
begin
    for rel in
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'raw' and c.relkind in ('r', 'p') and c.relname <> 'landing_failures'
          and pg_get_userbyid(c.relowner) <> 'florwork_loader'
    loop
        execute format('alter table raw.%I owner to florwork_loader', rel.relname);
    end loop;
end $$;
