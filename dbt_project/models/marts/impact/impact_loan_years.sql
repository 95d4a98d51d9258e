-- The rate each impact loan reached, year by year, and the interest it saved: the base
-- rate less the reductions of the targets met, never below the minimum rate, on the
-- principal outstanding (a bullet loan). A year still running is flagged: its rate can
-- still change. The grain is one row per loan and year.
with

terms as (
    select * from {{ ref('impact_loan_terms') }}
),

indicators as (
    select * from {{ ref('impact_loan_indicators') }}
),

met as (
    select
        loan_id,
        year,
        count(*) filter (where is_met) as targets_met,
        count(*) as targets_total,
        coalesce(sum(rate_reduction) filter (where is_met), 0) as reduction
    from indicators
    group by loan_id, year
),

final as (
    select
        met.loan_id::text as loan_id,
        met.year::integer as year,
        terms.lender::text as lender,
        terms.principal_eur::numeric(14, 2) as principal_eur,
        terms.base_rate::numeric(8, 4) as base_rate,
        greatest(terms.min_rate, terms.base_rate - met.reduction)::numeric(8, 4) as rate_reached,
        met.targets_met::integer as targets_met,
        met.targets_total::integer as targets_total,
        {{ eur('terms.principal_eur * terms.base_rate') }} as interest_at_base_rate_eur,
        {{ eur('terms.principal_eur * greatest(terms.min_rate, terms.base_rate - met.reduction)') }} as interest_due_eur,
        {{ eur('terms.principal_eur * (terms.base_rate - greatest(terms.min_rate, terms.base_rate - met.reduction))') }} as interest_saved_eur,
        ({{ through_month() }} >= make_date(met.year, 12, 1)) as is_year_complete
    from met
    inner join terms on terms.loan_id = met.loan_id
)

select * from final
