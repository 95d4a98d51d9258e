-- Calendar months, for BI tools. The grain is one row per month from the first month
-- any journey or target needs to the build's month.
with

bounds as (
    select least(
        (select min(referral_date) from {{ ref('stg_social_services__referrals') }}),
        (select min(month) from {{ ref('budget_targets') }})
    ) as first_day
),

final as (
    select
        month::date as month,
        extract(year from month)::integer as year,
        extract(quarter from month)::integer as quarter,
        extract(month from month)::integer as month_number,
        to_char(month, 'YYYY-MM') as month_label,
        (month + interval '1 month' - interval '1 day')::date as last_day,
        extract(day from month + interval '1 month' - interval '1 day')::integer as days_in_month
    from bounds
    cross join generate_series(date_trunc('month', bounds.first_day), {{ through_month() }}, interval '1 month') as month
)

select * from final
