-- The fund per funder and budget line (docs/method.md §8): allocated, spent (expenses
-- less reversals; a reversal counts against the expense it reverses) and what remains.
with

movements as (
    select * from {{ ref('stg_ipl__fund_movements') }}
),

attributed as (
    select
        coalesce(reversed.funder, movements.funder) as funder,
        coalesce(reversed.budget_line, movements.budget_line) as budget_line,
        case when movements.movement_type = 'STANZIAMENTO' then movements.amount_eur else 0 end as allocated_eur,
        movements.spent_effect_eur
    from movements
    left join movements as reversed
        on movements.movement_type = 'STORNO' and reversed.movement_id = movements.reversed_movement_id
),

final as (
    select
        funder::text as funder,
        budget_line::text as budget_line,
        sum(allocated_eur)::numeric(14, 2) as allocated_eur,
        sum(spent_effect_eur)::numeric(14, 2) as spent_eur,
        (sum(allocated_eur) - sum(spent_effect_eur))::numeric(14, 2) as remaining_eur
    from attributed
    group by 1, 2
)

select * from final
