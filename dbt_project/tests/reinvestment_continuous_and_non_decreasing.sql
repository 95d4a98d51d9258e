-- For every rule version and a fixed E, the reinvestment (efficiency + innovation) is
-- non-decreasing in R and continuous: over a grid of R from 0 to 3 in steps of 0.001
-- it never falls, and never jumps by more than the steepest slope allows.
with

grid as (
    select rules.*, step / 1000.0 as r, 10000.0 as e
    from {{ ref('reinvestment_rules') }} as rules
    cross join generate_series(0, 3000) as step
),

reinvested as (
    select
        rule_version, r, e,
        {{ reinvest_efficiency('r', 'e', 'lower_threshold', 'upper_threshold', 'efficiency_share') }}
        + {{ reinvest_innovation('r', 'e', 'upper_threshold', 'innovation_share') }} as total,
        greatest(efficiency_share, innovation_share) * e * 0.001 as max_step
    from grid
),

steps as (
    select *, total - lag(total) over (partition by rule_version order by r) as delta
    from reinvested
)

select * from steps
where delta < 0 or delta > max_step + 1e-9
