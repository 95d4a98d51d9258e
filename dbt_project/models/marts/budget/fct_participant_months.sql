-- One row per participant and month from the intake month on (docs/method.md §7).
-- A view: int_participant_months_capped is the incremental table that holds the rows,
-- so a build writes a participant month once.
{{ config(materialized='view') }}
with

capped as (
    select * from {{ ref('int_participant_months_capped') }}
),

final as (
    select
        person_key::text as person_key,
        programme::text as programme,
        month,
        days_employed::integer as days_employed,
        is_employed_month,
        {{ eur('benefits_paid_eur') }} as benefits_paid_eur,
        baseline_method::text as baseline_method,
        {{ eur('baseline_monthly_eur') }} as baseline_monthly_eur,
        is_counted_month,
        saving_eur::numeric(14, 2) as saving_eur,
        rule_version::text as rule_version
    from capped
)

select * from final
