-- One row per participant and month from the intake month to the build's month, judged
-- by the rule in force in the month (docs/method.md §5, steps 2 to 4; a month before the
-- earliest rule: the earliest). Baseline b, by the baseline_method of the month's rule:
-- PAID_BENEFITS, the PAID benefits in the baseline_months before the intake month,
-- divided by baseline_months; THEORETICAL_COST, the monthly cost of the participant's
-- target category (as SIS knows it now) for that rule version (theoretical_costs.csv; a
-- category without one stops the build naming it). Employed month: at least
-- min_employed_days days employed. The 12-month cap and the saving are the next step,
-- int_participant_months_capped.
-- Incremental by person and month (macros/person_increment/): a build recomputes, for
-- each person whose sources changed since the last build, the months from the first one
-- the change affects (a payment: its competence month; anything else: every month), and
-- everyone whole when the rules changed or the build goes back in time; and it adds the
-- months after the last one built for everyone. A month's row depends only on that
-- month's payments and days, the baseline and the person, so nothing else can change it.
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
    indexes=[{'columns': ['person_key', 'programme', 'month'], 'unique': true}, {'columns': ['_built_at']}],
    pre_hook="{{ prepare_person_increment(with_journeys=true, by_month=true, adds_months=true, everyone=participant_months_everyone()) }}",
) }}
with

participants as (
    select
        participants.*,
        {% if is_incremental() -%}
        greatest(
            participants.intake_month,
            least(rebuilt.from_month, coalesce((previous.month + interval '1 month')::date, '-infinity'::date))
        )
        {%- else %}participants.intake_month{% endif %} as first_month_built
    from {{ ref('int_participants_identified') }} as participants
    {% if is_incremental() -%}
    cross join _previous_through as previous
    left join _persons_to_rebuild as rebuilt on rebuilt.person_key = participants.person_key
    {%- endif %}
),

rules as (
    select * from {{ ref('int_rules_in_force') }}
),

-- read twice (the baseline months, the month's own): not materialized, so that each join
-- reads int_payments_paid through its (person_key, month) index, not a copy of all of it
payments as not materialized (
    select * from {{ ref('int_payments_paid') }}
),

days as (
    select * from {{ ref('int_employment_days_unioned') }}
),

categories as (
    select person_key, target_category, target_category_code from {{ ref('int_people_deduplicated') }}
),

costs as (
    select rule_version, {{ target_category('target_category') }} as target_category, monthly_cost_eur
    from {{ ref('theoretical_costs') }}
),

participant_months as (
    select
        participants.programme,
        participants.person_key,
        participants.intake_date,
        participants.intake_month,
        generate_series(participants.first_month_built, {{ through_month() }}, interval '1 month')::date as month
    from participants
    where participants.first_month_built <= {{ through_month() }}
),

baseline_windows as (
    select distinct participants.programme, participants.person_key, participants.intake_month, rules.baseline_months
    from participants
    cross join (select distinct baseline_months from rules) as rules
    where participants.first_month_built <= {{ through_month() }}
),

baselines as (
    select
        baseline_windows.programme,
        baseline_windows.person_key,
        baseline_windows.baseline_months,
        coalesce(sum(payments.benefits_paid_eur), 0) / baseline_windows.baseline_months as baseline_monthly_eur
    from baseline_windows
    left join payments
        on payments.person_key = baseline_windows.person_key
        and payments.month >= (baseline_windows.intake_month - make_interval(months => baseline_windows.baseline_months))::date
        and payments.month < baseline_windows.intake_month
    group by baseline_windows.programme, baseline_windows.person_key, baseline_windows.baseline_months
),

classified as (
    select
        participant_months.programme,
        participant_months.person_key,
        participant_months.intake_date,
        participant_months.month,
        rules.rule_version,
        rules.max_counted_months,
        rules.baseline_method,
        coalesce(days.days_employed, 0) as days_employed,
        coalesce(days.days_employed, 0) >= rules.min_employed_days as is_employed_month,
        coalesce(payments.benefits_paid_eur, 0) as benefits_paid_eur,
        case rules.baseline_method
            when 'THEORETICAL_COST' then coalesce(costs.monthly_cost_eur, {{ fail_with(
                "format('theoretical_costs.csv has no monthly_cost_eur for target category %s (SIS categoria_target %s) "
                ~ "under rule version %s, whose baseline_method is THEORETICAL_COST', categories.target_category, "
                ~ "coalesce(categories.target_category_code, 'empty'), rules.rule_version)") }})
            else baselines.baseline_monthly_eur
        end as baseline_monthly_eur
    from participant_months
    inner join rules on rules.month = participant_months.month
    inner join baselines
        on baselines.programme = participant_months.programme
        and baselines.person_key = participant_months.person_key
        and baselines.baseline_months = rules.baseline_months
    left join days
        on days.programme = participant_months.programme
        and days.person_key = participant_months.person_key
        and days.month = participant_months.month
    left join categories on categories.person_key = participant_months.person_key
    left join costs
        on costs.rule_version = rules.rule_version
        and costs.target_category = coalesce(categories.target_category, 'OTHER')
    left join payments
        on payments.person_key = participant_months.person_key
        and payments.month = participant_months.month
),

final as (
    select
        *,
        {{ source_watermark() }} as _source_watermark,
        ({{ rules_fingerprint() }}) as _rules_fingerprint,
        now() as _built_at
    from classified
)

select * from final
