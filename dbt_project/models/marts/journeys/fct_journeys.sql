-- One row per person referred to a programme: an accumulating snapshot of the journey
-- from referral to work (docs/method.md §7). A view of int_journeys_assembled, which
-- holds the rows (incremental by person), showing the follow-up once it is known on the
-- build's last day: "employed 6m/12m after" is null while the day 6 (12) calendar months
-- after the first job's start is after it; the days employed in the 6 (12) months from
-- the first job's start, and sustained employment (at least 91 days, 13 weeks; 182 days,
-- 26 weeks, as payment-by-results programmes define it), null while that window is not
-- over.
{{ config(materialized='view') }}
with

journeys as (
    select * from {{ ref('int_journeys_assembled') }}
),

last_day as (
    select ({{ through_month() }} + interval '1 month' - interval '1 day')::date as last_day
),

follow_up as (
    select
        journeys.*,
        (journeys.first_job_start + interval '6 months')::date <= last_day.last_day as is_day_6m_past,
        (journeys.first_job_start + interval '12 months')::date <= last_day.last_day as is_day_12m_past,
        -- a window ends the day before the same day 6 (12) months later
        (journeys.first_job_start + interval '6 months')::date - 1 <= last_day.last_day as is_window_6m_over,
        (journeys.first_job_start + interval '12 months')::date - 1 <= last_day.last_day as is_window_12m_over
    from journeys
    cross join last_day
),

final as (
    select
        person_key,
        programme,
        edition,
        referral_date,
        intake_date,
        assessment_date,
        employability,
        proposed_pathway,
        first_pathway_type,
        first_pathway_start,
        first_pathway_outcome,
        first_job_start,
        first_job_contract_type,
        days_intake_to_first_job,
        case when is_day_6m_past then employed_on_day_6m end as employed_6m_after_first_job,
        case when is_day_12m_past then employed_on_day_12m end as employed_12m_after_first_job,
        case when is_window_6m_over then days_employed_in_6m end as days_employed_6m_after_first_job,
        case when is_window_12m_over then days_employed_in_12m end as days_employed_12m_after_first_job,
        case when is_window_6m_over then days_employed_in_6m >= 91 end as sustained_6m,
        case when is_window_12m_over then days_employed_in_12m >= 182 end as sustained_12m,
        baseline_monthly_eur,
        current_stage
    from follow_up
)

select * from final
