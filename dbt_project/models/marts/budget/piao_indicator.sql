-- One row per programme and budget year with a target in piao_targets.csv: R as the
-- indicator of the city's integrated plan (PIAO), with a projection to year end.
-- The projection: (S + the mean realised savings of the last three months with figures
-- x the target months left in the year) / the whole year's E; once the year's last
-- target month has figures it is r_ytd. status: MET or MISSED once the last target
-- month has figures (r_ytd >= target_r or not); before that ON_TRACK when the
-- projection reaches target_r, else AT_RISK. A year without figures yet has nulls.
with

targets as (
    select * from {{ ref('piao_targets') }}
),

monthly as (
    select * from {{ ref('budget_monthly') }}
),

budget_targets as (
    select * from {{ ref('budget_targets') }}
),

rules as (
    select * from {{ ref('int_rules_in_force') }}
),

year_targets as (
    select
        programme,
        extract(year from month)::integer as budget_year,
        sum(expected_savings_eur) as expected_year_eur,
        max(month) as last_target_month
    from budget_targets
    group by programme, extract(year from month)
),

latest as (
    select distinct on (programme, budget_year)
        programme, budget_year, month as latest_month, r_ytd, tier, realised_savings_ytd_eur
    from monthly
    order by programme, budget_year, month desc
),

recent as (
    select programme, budget_year, avg(realised_savings_eur) as recent_mean_eur
    from (
        select
            programme, budget_year, realised_savings_eur,
            row_number() over (partition by programme, budget_year order by month desc) as recency
        from monthly
    ) as ranked
    where recency <= 3
    group by programme, budget_year
),

months_left as (
    select latest.programme, latest.budget_year, count(budget_targets.month) as target_months_left
    from latest
    left join budget_targets
        on budget_targets.programme = latest.programme
        and extract(year from budget_targets.month)::integer = latest.budget_year
        and budget_targets.month > latest.latest_month
    group by latest.programme, latest.budget_year
),

projected as (
    select
        targets.programme,
        targets.budget_year,
        latest.latest_month,
        latest.r_ytd,
        latest.tier,
        targets.target_r,
        latest.latest_month >= year_targets.last_target_month as is_year_complete,
        case
            when latest.latest_month is null or year_targets.expected_year_eur = 0 then null
            when latest.latest_month >= year_targets.last_target_month then latest.r_ytd
            else round((latest.realised_savings_ytd_eur + recent.recent_mean_eur * months_left.target_months_left)
                       / year_targets.expected_year_eur, 4)
        end as r_projected_year_end,
        rules.lower_threshold,
        rules.upper_threshold
    from targets
    left join year_targets
        on year_targets.programme = targets.programme and year_targets.budget_year = targets.budget_year
    left join latest on latest.programme = targets.programme and latest.budget_year = targets.budget_year
    left join recent on recent.programme = targets.programme and recent.budget_year = targets.budget_year
    left join months_left
        on months_left.programme = targets.programme and months_left.budget_year = targets.budget_year
    left join rules on rules.month = latest.latest_month
),

final as (
    select
        programme::text as programme,
        budget_year::integer as budget_year,
        latest_month,
        r_ytd,
        tier::text as tier,
        target_r::numeric as target_r,
        r_projected_year_end,
        {{ tier('r_projected_year_end', 'lower_threshold', 'upper_threshold') }}::text as tier_projected,
        (case
            when latest_month is null then null
            when is_year_complete then case when r_ytd >= target_r then 'MET' else 'MISSED' end
            when r_projected_year_end >= target_r then 'ON_TRACK'
            else 'AT_RISK'
        end)::text as status
    from projected
)

select * from final
