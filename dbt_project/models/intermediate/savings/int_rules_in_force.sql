-- One row per month, from the earliest month any participant or target needs up to
-- the build's month, with the reinvestment rule in force on its first day (the latest
-- valid_from not after it), and its baseline method (PAID_BENEFITS when the file has no
-- baseline_method column or leaves it empty). Months before the first rule take the first rule and are
-- flagged: they can only matter as history (e.g. employed months before a budget
-- year that count towards the cap); a budget month without a rule stops the build
-- (test rule_in_force_for_every_budget_month).
with

rules as (
    select
        *,
        {{ seed_column_or(ref('reinvestment_rules'), 'baseline_method', "'PAID_BENEFITS'") }}::text as baseline_method_in_file
    from {{ ref('reinvestment_rules') }}
),

bounds as (
    select
        least(
            (select min(intake_month) from {{ ref('int_participants_identified') }}),
            (select min(month) from {{ ref('budget_targets') }}),
            (select min(valid_from) from rules)
        ) as first_month,
        {{ through_month() }} as last_month
),

months as (
    select generate_series(first_month, last_month, interval '1 month')::date as month
    from bounds
),

final as (
    select
        months.month,
        coalesce(in_force.rule_version, first_rule.rule_version) as rule_version,
        in_force.rule_version is not null as has_rule_in_force,
        coalesce(in_force.baseline_months, first_rule.baseline_months) as baseline_months,
        coalesce(in_force.min_employed_days, first_rule.min_employed_days) as min_employed_days,
        coalesce(in_force.max_counted_months, first_rule.max_counted_months) as max_counted_months,
        coalesce(in_force.lower_threshold, first_rule.lower_threshold) as lower_threshold,
        coalesce(in_force.upper_threshold, first_rule.upper_threshold) as upper_threshold,
        coalesce(in_force.efficiency_share, first_rule.efficiency_share) as efficiency_share,
        coalesce(in_force.innovation_share, first_rule.innovation_share) as innovation_share,
        coalesce(in_force.baseline_method_in_file, first_rule.baseline_method_in_file, 'PAID_BENEFITS') as baseline_method
    from months
    left join lateral (
        select * from rules where rules.valid_from <= months.month order by rules.valid_from desc limit 1
    ) as in_force on true
    cross join lateral (
        select * from rules order by rules.valid_from limit 1
    ) as first_rule
)

select * from final
