-- One row per person interviewed: the outcome, fragility index and readiness of their
-- latest interview (by date, then id), which decides (docs/method.md §8), and the date
-- of their first interview, from which a hiring counts.
-- Incremental by person like int_ipl_first_applications.
-- depends_on: {{ ref('stg_social_services__people') }}
-- depends_on: {{ ref('stg_ipl__applications') }}
-- depends_on: {{ ref('stg_ipl__interviews') }}
-- depends_on: {{ ref('stg_ipl__paths') }}
-- depends_on: {{ ref('stg_ipl__projects') }}
-- depends_on: {{ ref('stg_sources__watermark') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_key'], 'unique': true}],
    pre_hook="{{ prepare_person_increment(with_ipl=true, with_payments=false) }}",
) }}
with

interviews as (
    select * from {{ ref('int_ipl_interviews_scored') }}
    where true {{ only_persons_to_rebuild() }}
),

latest as (
    select distinct on (person_key) *
    from interviews
    order by person_key, interview_date desc, interview_id desc
),

firsts as (
    select person_key, min(interview_date) as first_interview_date, count(*) as interviews
    from interviews
    group by person_key
),

final as (
    select
        latest.person_key,
        firsts.first_interview_date,
        firsts.interviews,
        latest.interview_id as latest_interview_id,
        latest.interview_date,
        latest.outcome,
        latest.fragility_index,
        case when latest.outcome = 'IN_TARGET' then latest.is_ready_now end as is_ready_now,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from latest
    inner join firsts on firsts.person_key = latest.person_key
)

select * from final
