-- One row per person referred to a programme: an accumulating snapshot of the
-- journey from referral to work (docs/method.md §7). The first job is the earliest employment
-- relationship starting on or after the intake date; "employed 6m/12m after" is true
-- when an employment relationship covers the day 6 (12) calendar months after the
-- first job's start, null while that day is after the build's last day. Sustained
-- employment, as payment-by-results programmes define it: the days covered by any
-- employment relationship in the 6 (12) calendar months from the first job's start
-- (start included, the same day 6 or 12 months later excluded); sustained when at least
-- 91 days (13 weeks) or 182 days (26 weeks); null while the window is not over.
with

referrals as (
    select * from {{ ref('int_referrals_keyed') }}
),

participants as (
    select * from {{ ref('int_participants_identified') }}
),

assessments as (
    select * from {{ ref('stg_partner__assessments') }}
),

pathways as (
    select * from {{ ref('stg_partner__pathways') }}
),

relationships as (
    select * from {{ ref('int_employment_relationships_resolved') }} where is_employment
),

last_day as (
    select ({{ through_month() }} + interval '1 month' - interval '1 day')::date as last_day
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
        case when follow_up.day_6m > last_day.last_day then null
             else exists (
                select from relationships
                where relationships.person_key = follow_up.person_key
                    and relationships.start_date <= follow_up.day_6m
                    and coalesce(relationships.end_date, follow_up.day_6m) >= follow_up.day_6m
             ) end as employed_6m_after_first_job,
        case when follow_up.day_12m > last_day.last_day then null
             else exists (
                select from relationships
                where relationships.person_key = follow_up.person_key
                    and relationships.start_date <= follow_up.day_12m
                    and coalesce(relationships.end_date, follow_up.day_12m) >= follow_up.day_12m
             ) end as employed_12m_after_first_job
    from follow_up
    cross join last_day
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
        case when upper(windows.window_6m) - 1 > last_day.last_day then null
             else coalesce((select sum(upper(r) - lower(r)) from unnest(covered.days_6m) as r), 0) end
            as days_employed_6m,
        case when upper(windows.window_12m) - 1 > last_day.last_day then null
             else coalesce((select sum(upper(r) - lower(r)) from unnest(covered.days_12m) as r), 0) end
            as days_employed_12m
    from windows
    cross join last_day
    left join covered
        on covered.programme = windows.programme and covered.person_key = windows.person_key
),

baselines as (
    select distinct on (programme, person_key) programme, person_key, baseline_monthly_eur
    from {{ ref('int_participant_months_classified') }}
    order by programme, person_key, month desc
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
        employment_checks.employed_6m_after_first_job,
        employment_checks.employed_12m_after_first_job,
        sustained.days_employed_6m::integer as days_employed_6m_after_first_job,
        sustained.days_employed_12m::integer as days_employed_12m_after_first_job,
        (sustained.days_employed_6m >= 91) as sustained_6m,
        (sustained.days_employed_12m >= 182) as sustained_12m,
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
        end)::text as current_stage
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
