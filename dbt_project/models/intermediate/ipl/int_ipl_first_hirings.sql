-- One row per person interviewed who was hired: their first employment relationship (CO,
-- docs/method.md §5 step 3: internships are not employment) starting on or after their
-- first interview; a hiring before it is not the programme's (docs/method.md §8).
-- Incremental by person (macros/person_increment/): a build recomputes the applicants
-- whose applications, interviews, paths or projects changed, or whose CO notices did.
-- depends_on: {{ ref('stg_social_services__people') }}
-- depends_on: {{ ref('stg_ipl__applications') }}
-- depends_on: {{ ref('stg_ipl__interviews') }}
-- depends_on: {{ ref('stg_ipl__paths') }}
-- depends_on: {{ ref('stg_ipl__projects') }}
-- depends_on: {{ ref('stg_social_services__referrals') }}
-- depends_on: {{ ref('stg_employment_centres__notices') }}
-- depends_on: {{ ref('stg_sources__watermark') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_key'], 'unique': true}],
    pre_hook="{{ prepare_person_increment(with_ipl=true, with_payments=false, with_journeys=true) }}",
) }}
with

interviewed as (
    select person_key, first_interview_date from {{ ref('int_ipl_latest_interviews') }}
    where true {{ only_persons_to_rebuild() }}
),

relationships as (
    select * from {{ ref('int_employment_relationships_resolved') }}
    where is_employment {{ only_persons_to_rebuild() }}
),

final as (
    select distinct on (interviewed.person_key)
        interviewed.person_key,
        relationships.relationship_id,
        relationships.start_date as first_job_start,
        relationships.contract_type_code as first_job_contract_type,
        relationships.employer_key,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from interviewed
    inner join relationships
        on relationships.person_key = interviewed.person_key
        and relationships.start_date >= interviewed.first_interview_date
    order by interviewed.person_key, relationships.start_date, relationships.relationship_id
)

select * from final
