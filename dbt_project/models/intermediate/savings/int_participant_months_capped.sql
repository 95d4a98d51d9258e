-- The 12-month cap of docs/method.md §5 (steps 5 and 6), one row per participant and
-- month: a month is counted when it is employed and one of the participant's first
-- max_counted_months employed months (the rule of the month says how many; the running
-- count starts at the intake month). Saving: max(0, b - benefits paid for the month) in a
-- counted month, else 0, rounded to cents: the figure published per participant and
-- summed by the budget.
-- A view over int_participant_months_classified (the person-incremental table): the cap
-- is a running count, cheaper computed once by its reader, fct_participant_months (the
-- table budget_monthly reads), than written as a second copy of every row.
{{ config(materialized='view') }}
with

classified as (
    select * from {{ ref('int_participant_months_classified') }}
),

counted as (
    select
        *,
        sum(case when is_employed_month then 1 else 0 end) over (
            partition by programme, person_key order by month rows unbounded preceding
        ) as employed_months_so_far
    from classified
),

final as (
    select
        programme,
        person_key,
        month,
        intake_date,
        rule_version,
        baseline_method,
        days_employed,
        is_employed_month,
        benefits_paid_eur,
        baseline_monthly_eur,
        employed_months_so_far,
        is_employed_month and employed_months_so_far <= max_counted_months as is_counted_month,
        case
            when is_employed_month and employed_months_so_far <= max_counted_months
                then {{ eur('greatest(0, baseline_monthly_eur - benefits_paid_eur)') }}
            else 0
        end::numeric(14, 2) as saving_eur,
        _source_watermark,
        _rules_fingerprint
    from counted
)

select * from final
