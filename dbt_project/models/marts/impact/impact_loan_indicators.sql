-- The impact framework's indicators of each loan, year by year, against their targets.
-- The grain is one row per loan, year and indicator, for the loan's years up to the
-- build's year.
with

terms as (
    select * from {{ ref('impact_loan_terms') }}
),

targets as (
    select * from {{ ref('impact_loan_targets') }}
),

loan_years as (
    select terms.loan_id, year
    from terms
    cross join lateral generate_series(
        terms.first_year, least(terms.last_year, extract(year from {{ through_month() }})::integer)
    ) as year
),

journeys as (
    select * from {{ ref('fct_journeys') }}
),

values_by_year as (
    select programme, extract(year from intake_date)::integer as year,
           'participants_taken_in_charge' as indicator, count(*)::numeric as value
    from journeys where intake_date is not null group by 1, 2
    union all
    select programme, extract(year from first_job_start)::integer, 'people_placed_in_work', count(*)::numeric
    from journeys where first_job_start is not null group by 1, 2
    union all
    select programme, extract(year from first_job_start)::integer, 'employed_6m_rate',
           avg(case when employed_6m_after_first_job then 1.0 else 0.0 end)
    from journeys where employed_6m_after_first_job is not null group by 1, 2
    union all
    select programme, budget_year, 'r_year_end', r_ytd
    from (
        select distinct on (programme, budget_year) programme, budget_year, r_ytd
        from {{ ref('budget_monthly') }}
        order by programme, budget_year, month desc
    ) as year_end
),

final as (
    select
        loan_years.loan_id::text as loan_id,
        loan_years.year::integer as year,
        targets.indicator::text as indicator,
        targets.programme::text as programme,
        values_by_year.value::numeric as indicator_value,
        targets.target_value::numeric as target_value,
        coalesce(values_by_year.value >= targets.target_value, false) as is_met,
        targets.rate_reduction::numeric as rate_reduction
    from loan_years
    inner join targets on targets.loan_id = loan_years.loan_id
    left join values_by_year
        on values_by_year.programme = targets.programme
        and values_by_year.year = loan_years.year
        and values_by_year.indicator = targets.indicator
)

select * from final
