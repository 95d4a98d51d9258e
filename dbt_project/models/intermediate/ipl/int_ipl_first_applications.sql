-- One row per person who applied to Insieme per il lavoro: their first application, the
-- earliest that is not flagged DUPLICATA (docs/method.md §8), with its channel, referring
-- body and the person's profile at that date. People are counted once, by person_key,
-- however many applications they sent (an unflagged second one included).
-- Incremental by person (macros/person_increment/): a build recomputes the applicants
-- whose applications, interviews, paths or projects changed.
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

applications as (
    select * from {{ ref('stg_ipl__applications') }}
    where true {{ only_persons_to_rebuild() }}
),

ranked as (
    select
        *,
        row_number() over (partition by person_key order by applied_at, application_id) as position
    from applications
    where not is_flagged_duplicate
),

statuses as (
    select
        person_key,
        count(*) filter (where not is_flagged_duplicate) as applications,
        bool_and(status in ('RITIRATA', 'DUPLICATA')) as is_every_application_withdrawn
    from applications
    group by person_key
),

final as (
    select
        ranked.person_key,
        ranked.application_id as first_application_id,
        ranked.applied_at as first_applied_at,
        ranked.application_date as first_application_date,
        ranked.channel,
        ranked.referring_body,
        ranked.gender,
        ranked.age_band,
        ranked.education_level,
        ranked.municipality_code,
        statuses.applications,
        statuses.is_every_application_withdrawn,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from ranked
    inner join statuses on statuses.person_key = ranked.person_key
    where ranked.position = 1
)

select * from final
