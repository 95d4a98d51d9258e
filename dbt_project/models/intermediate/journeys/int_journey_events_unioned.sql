-- Every event of every journey, from any source, as the sources know it now: referrals
-- and their outcomes (SIS), assessments and pathways (partner), jobs started and ended
-- (CO, resolved), dated ones after the build's month included (a job's planned end);
-- fct_journey_events publishes those up to the build's month. The grain is one row per
-- event (event_id is unique). event_sequence numbers a person's events in a programme by
-- date: the events after a month come after every event up to it, so the published
-- events' numbers do not depend on the build's month, and neither does this table.
-- Incremental by person: a build recomputes the persons whose sources changed.
-- depends_on: {{ ref('stg_social_services__people') }}
-- depends_on: {{ ref('stg_social_services__referrals') }}
-- depends_on: {{ ref('stg_employment_centres__notices') }}
-- depends_on: {{ ref('stg_sources__watermark') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['event_id'], 'unique': true}],
    pre_hook="{{ prepare_person_increment(with_journeys=true, with_partner=true, with_payments=false) }}",
) }}
with

referrals as (
    select * from {{ ref('int_referrals_keyed') }}
    where true {{ only_persons_to_rebuild() }}
),

participants as (
    select * from {{ ref('int_participants_identified') }}
    where true {{ only_persons_to_rebuild() }}
),

assessments as (
    select * from {{ ref('stg_partner__assessments') }}
    where true {{ only_persons_to_rebuild() }}
),

pathways as (
    select * from {{ ref('stg_partner__pathways') }}
    where true {{ only_persons_to_rebuild() }}
),

relationships as (
    select * from {{ ref('int_employment_relationships_resolved') }}
    where true {{ only_persons_to_rebuild() }}
),

events as (
    select 'referral:' || referral_id as event_id, person_key, programme, referral_date as event_date,
           'REFERRED' as event_type, 'social_services' as source, referring_service as detail
    from referrals
    union all
    select 'outcome:' || referral_id, person_key, programme, outcome_date, outcome, 'social_services', null
    from referrals where outcome is not null
    union all
    select 'assessment:' || assessment_id, person_key, programme, assessment_date, 'ASSESSED', 'partner',
           employability || ' / ' || proposed_pathway
    from assessments
    union all
    select 'pathway_start:' || pathway_id, person_key, programme, start_date, 'PATHWAY_STARTED', 'partner', pathway_type
    from pathways
    union all
    select 'pathway_end:' || pathway_id, person_key, programme, end_date, 'PATHWAY_' || outcome, 'partner', pathway_type
    from pathways where end_date is not null and outcome is not null
    union all
    select 'job_start:' || relationships.relationship_id || ':' || participants.programme, relationships.person_key,
           participants.programme, relationships.start_date,
           case when relationships.is_internship then 'INTERNSHIP_STARTED' else 'JOB_STARTED' end,
           'employment_centres', relationships.contract_type_code
    from relationships
    inner join participants on participants.person_key = relationships.person_key
    union all
    select 'job_end:' || relationships.relationship_id || ':' || participants.programme, relationships.person_key,
           participants.programme, relationships.end_date,
           case when relationships.is_internship then 'INTERNSHIP_ENDED' else 'JOB_ENDED' end,
           'employment_centres', relationships.termination_reason
    from relationships
    inner join participants on participants.person_key = relationships.person_key
    where relationships.end_date is not null
),

final as (
    select
        event_id::text as event_id,
        person_key::text as person_key,
        programme::text as programme,
        event_date,
        event_type::text as event_type,
        source::text as source,
        detail::text as detail,
        row_number() over (partition by person_key, programme order by event_date, event_id)::integer as event_sequence,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from events
)

select * from final
