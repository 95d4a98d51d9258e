-- Warehouse bootstrap: the schemas and tables the platform itself owns (dbt owns
-- staging, intermediate and marts). Idempotent: run at every `florwork up` and by
-- every extraction task before it loads.

create schema if not exists raw;
create schema if not exists quarantine;
create schema if not exists ops;
create schema if not exists marts;

-- One row per load of one source table or one CO file: the reconciliation ledger.
create table if not exists ops.batches (
    batch_id          bigserial primary key,
    source            text not null,          -- 'sis', 'partner', 'co'
    source_object     text not null,          -- table name or file name
    status            text not null,          -- 'running' | 'done' | 'failed' | 'abandoned'
    started_at        timestamptz not null default now(),
    finished_at       timestamptz,
    cutoff            timestamptz,            -- rows changed before this instant
    from_mark         timestamptz,            -- rows changed after this instant (overlap applied)
    rows_received     bigint,
    rows_loaded       bigint,                 -- new rows written to raw
    rows_duplicate    bigint,                 -- rows raw already held with the same content
    rows_quarantined  bigint,
    rows_released     bigint,                 -- earlier quarantined rows loaded by this batch
    message           text,
    constraint reconciled check (
        status <> 'done'
        or rows_received = rows_loaded + rows_duplicate + rows_quarantined
    )
);

-- The latest change (aggiornato_il) among a database batch's rows: the source's freshness.
alter table ops.batches add column if not exists latest_change timestamptz;

-- High-water mark per source table: the cutoff of its last committed batch.
create table if not exists ops.extract_state (
    source_object     text primary key,
    high_water_mark   timestamptz not null,
    batch_id          bigint references ops.batches,
    updated_at        timestamptz not null default now()
);

-- Every CO file ever seen, by content.
create table if not exists ops.co_files (
    file_name         text primary key,
    size_bytes        bigint not null,
    sha256            text not null,
    file_date         date,
    received_at       timestamptz not null,   -- file modification time in the landing folder
    processed_at      timestamptz,
    status            text not null,          -- 'loaded' | 'duplicate_content' | 'rejected'
    duplicate_of      text,
    batch_id          bigint references ops.batches,
    rows_read         bigint,
    rows_loaded       bigint,
    rows_duplicate    bigint,
    rows_quarantined  bigint,
    message           text
);
create index if not exists co_files_sha256 on ops.co_files (sha256);

-- Rows that did not pass: kept with the reason, never dropped.
create table if not exists quarantine.source_rows (
    quarantine_id     bigserial primary key,
    batch_id          bigint not null references ops.batches,
    source_object     text not null,
    source_key        text,
    row_checksum      text not null,
    row_data          jsonb not null,
    reasons           text[] not null,
    quarantined_at    timestamptz not null default now(),
    unique (source_object, row_checksum)
);

create table if not exists quarantine.co_rows (
    quarantine_id     bigserial primary key,
    batch_id          bigint not null references ops.batches,
    file_name         text not null,
    line_number       integer,                -- null when the whole file is rejected
    raw_line          text,
    reason            text not null,
    is_pending        boolean not null default false,  -- waits for its relationship
    parsed            jsonb,                  -- the parsed notice, for pending rows
    quarantined_at    timestamptz not null default now(),
    released_batch_id bigint references ops.batches,
    released_at       timestamptz
);
-- A line PostgreSQL's text cannot hold (a NUL byte) keeps its exact bytes here, and
-- raw_line shows each NUL as U+FFFD.
alter table quarantine.co_rows add column if not exists raw_bytes bytea;
-- The notices waiting for their relationship, by id: each CO run looks its notices up here.
create index if not exists co_rows_waiting on quarantine.co_rows ((parsed->>'id_comunicazione'))
    where is_pending and released_at is null;

create table if not exists raw.co_notices (
    id_comunicazione      text not null,
    tipo_evento           text not null,
    data_invio            date not null,
    id_comunicazione_rif  text,
    cf_lavoratore         text not null,
    cf_datore             text,
    denominazione_datore  text,
    ateco                 text,
    comune_sede           text,
    tipo_contratto        text,
    data_inizio           date,
    data_fine             date,
    data_cessazione       date,
    causa_cessazione      text,
    orario                text,
    ore_settimanali       numeric(5,2),
    qualifica_istat       text,
    centro_impiego        text,
    _batch_id             bigint not null,   -- no foreign key: a per-row check the loader does not need
    _file_name            text not null,
    _line_number          integer not null,
    _row_checksum         text not null,
    _loaded_at            timestamptz not null default now(),
    constraint co_notices_id_unique unique (id_comunicazione)
);
alter table raw.co_notices drop constraint if exists co_notices__batch_id_fkey;

-- The failing rows of the batch being validated: landing row ids and reasons, no
-- personal data. Written by quality.validate_landing, emptied when the batch is published.
create unlogged table if not exists raw.landing_failures (
    relation          text not null,      -- the landing table
    row_id            bigint not null,    -- its _landing_row_id
    position          integer not null,   -- the expectation's place in its suite
    reason            text not null
);
create index if not exists landing_failures_row on raw.landing_failures (relation, row_id);

-- Results of every Great Expectations validation, browsable from SQL.
create table if not exists ops.validation_results (
    validation_id     bigserial primary key,
    batch_id          bigint not null references ops.batches,
    suite_name        text not null,
    success           boolean not null,
    evaluated_at      timestamptz not null default now(),
    statistics        jsonb not null,
    results           jsonb not null
);

-- Warehouse builds: which raw cutoff each successful dbt build reflects.
create table if not exists ops.warehouse_builds (
    build_id          bigserial primary key,
    started_at        timestamptz not null,
    finished_at       timestamptz not null default now(),
    data_cutoff       timestamptz not null,   -- every source loaded up to this instant
    through_month     date not null,          -- last month the marts are built for
    dbt_seconds       numeric(10,2),          -- the build's seconds (for an up-to-date one, the check's)
    code_version      text
);
-- 'built': dbt ran; 'up to date': its inputs were those of the last build (build_state.py).
alter table ops.warehouse_builds add column if not exists outcome text not null default 'built';
-- The data tests at severity warn that found rows in a build ({"test name": rows}); each
-- says why it warns rather than fails in its meta.warn_because. Null for 'up to date'.
alter table ops.warehouse_builds add column if not exists test_warnings jsonb;

-- The inputs of the last successful build (florwork/build_state.py): a build with the same
-- ones has nothing to write. Every dbt invocation removes the row (dbt_project.yml).
create table if not exists ops.build_inputs (
    singleton         boolean primary key default true check (singleton),
    build_id          bigint not null,
    inputs_digest     text not null,
    relations_digest  text not null,
    inputs            jsonb not null,         -- what was compared, readable
    recorded_at       timestamptz not null default now()
);

-- The fingerprint of the last bootstrap (warehouse.py): a task whose code has the same one
-- skips the bootstrap.
create table if not exists ops.bootstrap_state (
    singleton         boolean primary key default true check (singleton),
    fingerprint       text not null,
    bootstrapped_at   timestamptz not null default now()
);

-- One-off changes to stored data (warehouse.py MIGRATIONS), applied once at bootstrap.
create table if not exists ops.migrations (
    name              text primary key,
    applied_at        timestamptz not null default now()
);

-- Months run by `florwork run`, and their Airflow runs.
create table if not exists ops.pipeline_months (
    month             date primary key,
    status            text not null,          -- 'running' | 'done' | 'failed'
    started_at        timestamptz not null default now(),
    finished_at       timestamptz,
    message           text
);

-- What the platform could not load, one row per kind, object and reason: a rejected CO
-- file, a source object whose latest batch failed, quarantined lines and rows, notices
-- waiting for their relationship. `florwork status` and the monthly report read it;
-- the rows themselves are in quarantine (personal data: this view has none).
create or replace view ops.not_loaded as
select 'co' as source, file_name as source_object, 'file rejected' as what, 1::bigint as items,
       message as reason, processed_at as last_seen
from ops.co_files where status = 'rejected'
union all
select b.source, b.source_object, 'batch failed', 1, b.message, b.finished_at
from ops.batches b
where b.status = 'failed'
  and b.batch_id = (select max(l.batch_id) from ops.batches l
                    where l.source_object = b.source_object and l.status in ('done', 'failed'))
union all
select 'co', file_name, case when is_pending then 'waiting for its relationship' else 'line quarantined' end,
       count(*), reason, max(quarantined_at)
from quarantine.co_rows
where line_number is not null and released_at is null
group by file_name, is_pending, reason
union all
select b.source, q.source_object, 'row quarantined', count(*), r.reason, max(q.quarantined_at)
from quarantine.source_rows q
join ops.batches b using (batch_id)
cross join lateral unnest(q.reasons) r (reason)
group by b.source, q.source_object, r.reason;

-- Each build's look at its sources' freshness (plugins/florwork/freshness.py): the
-- latest change each had delivered, how long before the build's data cutoff, the
-- thresholds in force and the verdict.
create table if not exists ops.source_freshness (
    checked_at        timestamptz not null default now(),
    source            text not null,
    data_cutoff       timestamptz not null,
    latest_change     timestamptz,
    lag_hours         numeric,
    warn_after_hours  numeric,
    error_after_hours numeric,
    status            text not null,          -- 'fresh' | 'warn' | 'error' | 'not judged' | 'nothing yet'
    primary key (checked_at, source)
);

-- Who holds the platform lock (plugins/florwork/platform_lock.py): a row per session
-- holding it; a row whose session has ended is a crashed holder's and is ignored.
create table if not exists ops.platform_lock_holders (
    backend_pid       integer primary key,    -- the holding session (pg_stat_activity.pid)
    mode              text not null,          -- 'exclusive' (florwork run) | 'shared' (a scheduled task)
    host              text not null,
    process_id        integer not null,
    started_at        timestamptz not null,
    month             date,
    command           text
);

-- Pseudonymisation (docs/method.md §6): person_key = HMAC-SHA256(key, upper(trim(cf))).
-- PostgreSQL has sha256() built in but no hmac() without pgcrypto, so the key is kept
-- as its two padded forms (key xor ipad, key xor opad) and HMAC is two sha256 calls.
-- The table is readable by the platform's own roles only; dbt calls the function.
create table if not exists ops.pseudonymisation_key (
    singleton         boolean primary key default true check (singleton),
    key_fingerprint   text not null,          -- sha256 of the key, to detect a change
    inner_pad         bytea not null,
    outer_pad         bytea not null,
    set_at            timestamptz not null default now()
);

create or replace function ops.person_key(cf text) returns text
language sql stable strict security definer
set search_path = pg_catalog, ops
as $$
    select encode(
        sha256(k.outer_pad || sha256(k.inner_pad || convert_to(upper(regexp_replace(cf, '\s', '', 'g')), 'UTF8'))),
        'hex')
    from ops.pseudonymisation_key k
$$;

-- Published monthly budget runs (docs/method.md §7): append-only. A month run again whose
-- figures changed gets a new row that supersedes the previous one; no row is ever
-- updated or deleted (the triggers refuse it, whoever asks).
create table if not exists marts.budget_runs (
    run_id                    bigint generated always as identity primary key,
    published_at              timestamptz not null default now(),
    programme                 text not null,
    budget_year               integer not null,
    month                     date not null,
    realised_savings_eur      numeric(14,2) not null,
    expected_savings_eur      numeric(14,2) not null,
    realised_savings_ytd_eur  numeric(14,2) not null,
    expected_savings_ytd_eur  numeric(14,2) not null,
    r_ytd                     numeric(10,4),
    tier                      text,
    reinvest_efficiency_eur   numeric(14,2) not null,
    reinvest_innovation_eur   numeric(14,2) not null,
    not_reinvested_eur        numeric(14,2) not null,
    rule_version              text not null,
    participants_with_savings integer not null,
    supersedes_run_id         bigint references marts.budget_runs,
    data_cutoff               timestamptz not null,
    code_version              text not null,
    airflow_run_id            text
);
-- The budget office's seed files the run's figures were computed with, by content
-- ({"budget_targets.csv": "<sha256>", ...}): the targets and rules are versioned by
-- their content as well as by rule_version.
alter table marts.budget_runs add column if not exists seed_fingerprints jsonb;
-- Why the run's report has no PDF (WeasyPrint found no Pango on the machine that
-- published it); null when the PDF was written. The HTML and CSV are always written.
alter table marts.budget_runs add column if not exists report_pdf_missing text;
create index if not exists budget_runs_month on marts.budget_runs (programme, month, run_id);

create or replace function ops.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only: published rows are never updated or deleted (run the month again to publish a superseding row)', tg_table_schema || '.' || tg_table_name
        using errcode = 'insufficient_privilege';
end $$;

drop trigger if exists budget_runs_append_only on marts.budget_runs;
create trigger budget_runs_append_only before update or delete on marts.budget_runs
    for each row execute function ops.refuse_change();
drop trigger if exists budget_runs_no_truncate on marts.budget_runs;
create trigger budget_runs_no_truncate before truncate on marts.budget_runs
    for each statement execute function ops.refuse_change();

create or replace view marts.budget_runs_latest as
    select distinct on (programme, month) *
    from marts.budget_runs
    order by programme, month, run_id desc;
comment on view marts.budget_runs_latest is
    'The latest published figures of every programme and month: one row per programme and month.';
comment on table marts.budget_runs is
    'Append-only: one row per published monthly budget run (docs/method.md §7). A rerun whose figures changed adds a row with supersedes_run_id.';

-- Raised from inside a query, to stop a dbt build with a message that names what is
-- missing (e.g. a theoretical cost for a participant's category).
create or replace function ops.fail(message text) returns numeric
language plpgsql volatile as $$
begin
    raise exception '%', message;
end $$;
