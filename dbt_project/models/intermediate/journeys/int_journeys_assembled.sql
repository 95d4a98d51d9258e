-- One row per person referred to a programme: the journey from referral to work as the
-- sources know it now (docs/method.md §7), which fct_journeys publishes. The first job is
-- the earliest employment relationship starting on or after the intake date; the
-- follow-up (employed on the day 6 or 12 calendar months after the first job's start; the
-- days covered by any employment relationship in the 6 or 12 calendar months from it,
-- start included, the same day 6 or 12 months later excluded) is computed from the
-- relationships known now whatever the build's month: fct_journeys shows it once the day
-- or the window is past. So a row depends on the build's month only through the baseline
-- (the one of the rule in force in the build's month).
-- Incremental by person (macros/person_increment/): a build recomputes the persons whose
-- referrals, CO notices, partner rows or person changed, or a payment of a month before
-- their intake (the baseline); everyone when the rules changed or the build goes back;
-- and the rows whose rule in force or baseline the month's move changed.
-- depends_on: {{ ref('stg_social_services__people') }}
-- depends_on: {{ ref('stg_social_services__payments') }}
-- depends_on: {{ ref('stg_social_services__referrals') }}
-- depends_on: {{ ref('stg_employment_centres__notices') }}
-- depends_on: {{ ref('reinvestment_rules') }}
-- depends_on: {{ ref('theoretical_costs') }}
-- depends_on: {{ ref('stg_sources__watermark') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_key', 'programme'], 'unique': true}],
    pre_hook="{{ prepare_person_increment(with_journeys=true, with_partner=true, with_payments='before_intake', everyone=journeys_everyone()) }}",
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
    where is_employment {{ only_persons_to_rebuild() }}
),

referred as (
    select
        programme,
        person_key,
        min(referral_date) as referral_date,
        (array_agg(edition order by referral_date desc, referral_id desc))[1] as latest_edition,
        (array_agg(outcome order by referral_date desc, referral_id desc))[1] as latest_outcome
    from referrals
    group by programme, person_key
),

first_assessment as (
    select distinct on (assessments.programme, assessments.person_key)
        assessments.programme, assessments.person_key, assessments.assessment_date,
        assessments.employability, assessments.proposed_pathway
    from assessments
    order by assessments.programme, assessments.person_key, assessments.assessment_date, assessments.assessment_id
),

first_pathway as (
    select distinct on (pathways.programme, pathways.person_key)
        pathways.programme, pathways.person_key, pathways.pathway_type, pathways.start_date, pathways.outcome
    from pathways
    order by pathways.programme, pathways.person_key, pathways.start_date, pathways.pathway_id
),

first_job as (
    select distinct on (participants.programme, participants.person_key)
        participants.programme, participants.person_key,
        relationships.start_date, relationships.contract_type_code
    from participants
    inner join relationships
        on relationships.person_key = participants.person_key
        and relationships.start_date >= participants.intake_date
    order by participants.programme, participants.person_key, relationships.start_date, relationships.relationship_id
),

follow_up as (
    select
        first_job.programme,
        first_job.person_key,
        (first_job.start_date + interval '6 months')::date as day_6m,
        (first_job.start_date + interval '12 months')::date as day_12m
    from first_job
),

employment_checks as (
    select
        follow_up.programme,
        follow_up.person_key,
        exists (
            select from relationships
            where relationships.person_key = follow_up.person_key
                and relationships.start_date <= follow_up.day_6m
                and coalesce(relationships.end_date, follow_up.day_6m) >= follow_up.day_6m
        ) as employed_on_day_6m,
        exists (
            select from relationships
            where relationships.person_key = follow_up.person_key
                and relationships.start_date <= follow_up.day_12m
                and coalesce(relationships.end_date, follow_up.day_12m) >= follow_up.day_12m
        ) as employed_on_day_12m
    from follow_up
),

windows as (
    select
        follow_up.programme,
        follow_up.person_key,
        daterange(first_job.start_date, follow_up.day_6m, '[)') as window_6m,
        daterange(first_job.start_date, follow_up.day_12m, '[)') as window_12m
    from follow_up
    inner join first_job
        on first_job.programme = follow_up.programme and first_job.person_key = follow_up.person_key
),

covered as (
    -- The union of the relationships' days inside each window (a day counted once).
    select
        windows.programme,
        windows.person_key,
        range_agg(daterange(relationships.start_date, relationships.end_date, '[]') * windows.window_6m) as days_6m,
        range_agg(daterange(relationships.start_date, relationships.end_date, '[]') * windows.window_12m) as days_12m
    from windows
    inner join relationships
        on relationships.person_key = windows.person_key
        and daterange(relationships.start_date, relationships.end_date, '[]') && windows.window_12m
    group by windows.programme, windows.person_key
),

sustained as (
    select
        windows.programme,
        windows.person_key,
        coalesce((select sum(upper(r) - lower(r)) from unnest(covered.days_6m) as r), 0) as days_employed_6m,
        coalesce((select sum(upper(r) - lower(r)) from unnest(covered.days_12m) as r), 0) as days_employed_12m
    from windows
    left join covered
        on covered.programme = windows.programme and covered.person_key = windows.person_key
),

baselines as (
    -- the baseline of the build's month (every participant's latest month)
    select programme, person_key, baseline_monthly_eur
    from {{ ref('int_participant_months_classified') }}
    where month = {{ through_month() }} {{ only_persons_to_rebuild() }}
),

rule_in_force as (
    select rule_version from {{ ref('int_rules_in_force') }} where month = {{ through_month() }}
),

final as (
    select
        referred.person_key::text as person_key,
        referred.programme::text as programme,
        coalesce(participants.intake_edition, referred.latest_edition)::integer as edition,
        referred.referral_date,
        participants.intake_date,
        first_assessment.assessment_date,
        first_assessment.employability::text as employability,
        first_assessment.proposed_pathway::text as proposed_pathway,
        first_pathway.pathway_type::text as first_pathway_type,
        first_pathway.start_date as first_pathway_start,
        first_pathway.outcome::text as first_pathway_outcome,
        first_job.start_date as first_job_start,
        first_job.contract_type_code::text as first_job_contract_type,
        (first_job.start_date - participants.intake_date)::integer as days_intake_to_first_job,
        employment_checks.employed_on_day_6m,
        employment_checks.employed_on_day_12m,
        sustained.days_employed_6m::integer as days_employed_in_6m,
        sustained.days_employed_12m::integer as days_employed_in_12m,
        {{ eur('baselines.baseline_monthly_eur') }} as baseline_monthly_eur,
        (case
            when participants.person_key is null then
                case referred.latest_outcome
                    when 'NOT_ELIGIBLE' then 'NOT_ELIGIBLE'
                    when 'WITHDRAWN' then 'WITHDRAWN'
                    else 'REFERRED'
                end
            when first_job.start_date is not null then 'EMPLOYED'
            when first_pathway.outcome = 'INTERRUPTED' then 'WITHDRAWN'
            when first_pathway.start_date is not null then 'IN_PATHWAY'
            when first_assessment.assessment_date is not null then 'ASSESSED'
            else 'TAKEN_IN_CHARGE'
        end)::text as current_stage,
        {{ source_watermark() }} as _source_watermark,
        ({{ rules_fingerprint() }}) as _rules_fingerprint,
        (select rule_version from rule_in_force)::text as _rule_version,
        {{ through_month() }} as _through_month,
        now() as _built_at
    from referred
    left join participants
        on participants.programme = referred.programme and participants.person_key = referred.person_key
    left join first_assessment
        on first_assessment.programme = referred.programme and first_assessment.person_key = referred.person_key
    left join first_pathway
        on first_pathway.programme = referred.programme and first_pathway.person_key = referred.person_key
    left join first_job
        on first_job.programme = referred.programme and first_job.person_key = referred.person_key
    left join employment_checks
        on employment_checks.programme = referred.programme and employment_checks.person_key = referred.person_key
    left join sustained
        on sustained.programme = referred.programme and sustained.person_key = referred.person_key
    left join baselines
        on baselines.programme = referred.programme and baselines.person_key = referred.person_key
)

select * from final
