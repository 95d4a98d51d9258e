-- The published tier and reinvestment recomputed from their definition (docs/method.md
-- §5 steps 9-10) apart from the model and its macros: the rule in force read from the
-- seed by valid_from, each tier's amounts written out case by case, on the published S
-- and E (within a cent: the published S is rounded). And S = efficiency + innovation + not
-- reinvested, exactly.
with

published as (
    select * from {{ ref('budget_monthly') }}
),

rule_in_force as (
    select distinct on (published.programme, published.month)
        published.programme,
        published.month,
        rules.rule_version,
        rules.lower_threshold,
        rules.upper_threshold,
        rules.efficiency_share,
        rules.innovation_share
    from published
    inner join {{ ref('reinvestment_rules') }} as rules on rules.valid_from <= published.month
    order by published.programme, published.month, rules.valid_from desc
),

recomputed as (
    select
        published.*,
        rule_in_force.rule_version as rule_in_seed,
        case
            when published.expected_savings_ytd_eur = 0 then null
            when published.realised_savings_ytd_eur <= rule_in_force.lower_threshold * published.expected_savings_ytd_eur then 'A'
            when published.realised_savings_ytd_eur <= rule_in_force.upper_threshold * published.expected_savings_ytd_eur then 'B'
            else 'C'
        end as expected_tier,
        case
            when published.expected_savings_ytd_eur = 0 then 0
            when published.realised_savings_ytd_eur <= rule_in_force.lower_threshold * published.expected_savings_ytd_eur then 0
            when published.realised_savings_ytd_eur <= rule_in_force.upper_threshold * published.expected_savings_ytd_eur
                then rule_in_force.efficiency_share
                    * (published.realised_savings_ytd_eur - rule_in_force.lower_threshold * published.expected_savings_ytd_eur)
            else rule_in_force.efficiency_share
                * (rule_in_force.upper_threshold - rule_in_force.lower_threshold) * published.expected_savings_ytd_eur
        end as expected_efficiency_eur,
        case
            when published.expected_savings_ytd_eur = 0 then 0
            when published.realised_savings_ytd_eur <= rule_in_force.upper_threshold * published.expected_savings_ytd_eur then 0
            else rule_in_force.innovation_share
                * (published.realised_savings_ytd_eur - rule_in_force.upper_threshold * published.expected_savings_ytd_eur)
        end as expected_innovation_eur
    from published
    left join rule_in_force using (programme, month)
)

select * from recomputed
where rule_in_seed is distinct from rule_version
   or tier is distinct from expected_tier
   or abs(reinvest_efficiency_eur - expected_efficiency_eur) > 0.01
   or abs(reinvest_innovation_eur - expected_innovation_eur) > 0.01
   or realised_savings_ytd_eur <> reinvest_efficiency_eur + reinvest_innovation_eur + not_reinvested_eur
