-- One row per programme and month that has a budget target, up to the build's month,
-- computed on everything known now (docs/method.md §5 steps 7-10, §7). Amounts are euros
-- rounded half-up to cents, R has four decimals; the reinvestment is computed from the
-- unrounded R and the published parts add up to S exactly.
with

targets as (
    select * from {{ ref('budget_targets') }}
    where month <= {{ through_month() }}
),

rules as (
    select * from {{ ref('int_rules_in_force') }}
),

savings as (
    select
        programme,
        month,
        sum(saving_eur) as realised_savings_eur,
        count(*) filter (where saving_eur > 0) as participants_with_savings
    from {{ ref('fct_participant_months') }}
    group by programme, month
),

monthly as (
    select
        targets.programme,
        extract(year from targets.month)::integer as budget_year,
        targets.month,
        coalesce(savings.realised_savings_eur, 0) as realised_savings_eur,
        targets.expected_savings_eur,
        coalesce(savings.participants_with_savings, 0) as participants_with_savings
    from targets
    left join savings
        on savings.programme = targets.programme
        and savings.month = targets.month
),

year_to_date as (
    select
        *,
        sum(realised_savings_eur) over ytd as realised_savings_ytd_eur,
        sum(expected_savings_eur) over ytd as expected_savings_ytd_eur
    from monthly
    window ytd as (partition by programme, budget_year order by month rows unbounded preceding)
),

with_r as (
    select
        year_to_date.*,
        rules.rule_version,
        rules.lower_threshold,
        rules.upper_threshold,
        rules.efficiency_share,
        rules.innovation_share,
        case when expected_savings_ytd_eur = 0 then null
             else realised_savings_ytd_eur / expected_savings_ytd_eur end as r_exact
    from year_to_date
    inner join rules on rules.month = year_to_date.month and rules.has_rule_in_force
),

reinvested as (
    select
        *,
        {{ tier('r_exact', 'lower_threshold', 'upper_threshold') }} as tier,
        {{ eur(reinvest_efficiency('r_exact', 'expected_savings_ytd_eur', 'lower_threshold', 'upper_threshold', 'efficiency_share')) }} as reinvest_efficiency_eur,
        {{ eur(reinvest_innovation('r_exact', 'expected_savings_ytd_eur', 'upper_threshold', 'innovation_share')) }} as reinvest_innovation_eur
    from with_r
),

final as (
    select
        programme::text as programme,
        budget_year,
        month,
        {{ eur('realised_savings_eur') }} as realised_savings_eur,
        {{ eur('expected_savings_eur') }} as expected_savings_eur,
        {{ eur('realised_savings_ytd_eur') }} as realised_savings_ytd_eur,
        {{ eur('expected_savings_ytd_eur') }} as expected_savings_ytd_eur,
        round(r_exact, 4) as r_ytd,
        tier::text as tier,
        reinvest_efficiency_eur,
        reinvest_innovation_eur,
        {{ eur('realised_savings_ytd_eur - reinvest_efficiency_eur - reinvest_innovation_eur') }} as not_reinvested_eur,
        rule_version::text as rule_version,
        participants_with_savings::integer as participants_with_savings
    from reinvested
)

select * from final
