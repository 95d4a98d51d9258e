-- One row per person who applied to Insieme per il lavoro (docs/method.md §8): the first
-- application's channel and referring body, the latest interview, the lines of their
-- paths, the first hiring on or after the first interview, whether SIS knows them, and
-- the current stage: the first that applies of SELF_EMPLOYED (proposer of a funded
-- self-employment project), OVERT_FRAGILITY or OUT_OF_TARGET (the latest interview),
-- HIRED, IN_PATH (in target, with a path), IN_TARGET, WITHDRAWN (never interviewed, every
-- application withdrawn or flagged duplicate), APPLIED.
-- Incremental by person (macros/person_increment/): a build recomputes the applicants
-- whose applications, interviews, paths, projects, CO notices or SIS record changed.
-- depends_on: {{ ref('stg_social_services__referrals') }}
-- depends_on: {{ ref('stg_employment_centres__notices') }}
-- depends_on: {{ ref('stg_ipl__interviews') }}
-- depends_on: {{ ref('stg_sources__watermark') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_key'], 'unique': true}],
    pre_hook="{{ prepare_person_increment(with_ipl=true, with_payments=false, with_journeys=true) }}",
) }}
with

applicants as (
    select * from {{ ref('int_ipl_first_applications') }}
    where true {{ only_persons_to_rebuild() }}
),

interviews as (
    select * from {{ ref('int_ipl_latest_interviews') }}
    where true {{ only_persons_to_rebuild() }}
),

hirings as (
    select * from {{ ref('int_ipl_first_hirings') }}
    where true {{ only_persons_to_rebuild() }}
),

applications as (
    select application_id, person_key from {{ ref('stg_ipl__applications') }}
    where true {{ only_persons_to_rebuild() }}
),

paths as (
    select applications.person_key, string_agg(distinct paths.line, ',' order by paths.line) as lines,
           min(paths.start_date) as first_path_start
    from {{ ref('stg_ipl__paths') }} as paths
    inner join applications on applications.application_id = paths.application_id
    group by applications.person_key
),

self_employed as (
    select distinct applications.person_key
    from {{ ref('stg_ipl__projects') }} as projects
    inner join applications on applications.application_id = projects.proposer_application_id
    where projects.project_type = 'AUTOIMPIEGO' and projects.status = 'FINANZIATO'
),

known as (
    select distinct person_key from {{ ref('stg_social_services__people') }}
    where true {{ only_persons_to_rebuild() }}
),

final as (
    select
        applicants.person_key::text as person_key,
        applicants.first_application_date,
        applicants.channel::text as channel,
        applicants.referring_body::text as referring_body,
        interviews.interview_date,
        interviews.outcome::text as interview_outcome,
        interviews.fragility_index::numeric(4, 3) as fragility_index,
        interviews.is_ready_now as ready_now,
        paths.lines::text as lines,
        paths.first_path_start,
        hirings.first_job_start,
        hirings.first_job_contract_type::text as first_job_contract_type,
        known.person_key is not null as known_to_social_services,
        (case
            when self_employed.person_key is not null then 'SELF_EMPLOYED'
            when interviews.outcome in ('OVERT_FRAGILITY', 'OUT_OF_TARGET') then interviews.outcome
            when hirings.person_key is not null then 'HIRED'
            when interviews.outcome = 'IN_TARGET' and paths.person_key is not null then 'IN_PATH'
            when interviews.outcome = 'IN_TARGET' then 'IN_TARGET'
            when interviews.person_key is null and applicants.is_every_application_withdrawn then 'WITHDRAWN'
            else 'APPLIED'
        end)::text as current_stage,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from applicants
    left join interviews on interviews.person_key = applicants.person_key
    left join hirings on hirings.person_key = applicants.person_key
    left join paths on paths.person_key = applicants.person_key
    left join self_employed on self_employed.person_key = applicants.person_key
    left join known on known.person_key = applicants.person_key
)

select * from final
