-- The board of companies per joining channel (docs/method.md §8), at the build's month
-- end: companies active (joined on or before it, not left by then), joined and left by
-- then, the openings they proposed and the positions offered, and the people whose first
-- hiring (int_ipl_first_hirings) was by one of them (the CO employer's tax code is the
-- company's).
with

companies as (
    select * from {{ ref('stg_ipl__companies') }}
    where joined_date < ({{ through_month() }} + interval '1 month')::date
),

openings as (
    select company_id, count(*) as openings, sum(positions) as positions_offered
    from {{ ref('stg_ipl__openings') }}
    group by company_id
),

hired as (
    select companies.joining_channel, count(distinct hirings.person_key) as people_hired
    from {{ ref('int_ipl_first_hirings') }} as hirings
    inner join companies on companies.employer_key = hirings.employer_key
    group by companies.joining_channel
),

per_channel as (
    select
        companies.joining_channel,
        count(*) filter (where companies.left_date is null
                         or companies.left_date >= ({{ through_month() }} + interval '1 month')::date)
            as companies_active,
        count(*) as companies_joined,
        count(*) filter (where companies.left_date < ({{ through_month() }} + interval '1 month')::date)
            as companies_left,
        coalesce(sum(openings.openings), 0) as openings,
        coalesce(sum(openings.positions_offered), 0) as positions_offered
    from companies
    left join openings on openings.company_id = companies.company_id
    group by companies.joining_channel
),

final as (
    select
        per_channel.joining_channel::text as joining_channel,
        per_channel.companies_active::integer as companies_active,
        per_channel.companies_joined::integer as companies_joined,
        per_channel.companies_left::integer as companies_left,
        per_channel.openings::integer as openings,
        per_channel.positions_offered::integer as positions_offered,
        coalesce(hired.people_hired, 0)::integer as people_hired
    from per_channel
    left join hired on hired.joining_channel = per_channel.joining_channel
)

select * from final
