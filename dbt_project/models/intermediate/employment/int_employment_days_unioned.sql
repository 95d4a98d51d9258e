-- One row per participant (programme, person_key) and calendar month with at least
-- one day employed: the number of days covered by the union of the person's
-- employment relationships that started on or after the intake date, each day
-- counted once however many contracts cover it (docs/method.md §5 step 4). Open relationships
-- run to the end of the build's month.
with

participants as (
    select * from {{ ref('int_participants_identified') }}
),

relationships as (
    select * from {{ ref('int_employment_relationships_resolved') }}
    where is_employment
),

last_day as (
    select ({{ through_month() }} + interval '1 month' - interval '1 day')::date as last_day
),

spans as (
    select
        participants.programme,
        participants.person_key,
        relationships.start_date,
        least(coalesce(relationships.end_date, last_day.last_day), last_day.last_day) as end_date
    from participants
    inner join relationships
        on relationships.person_key = participants.person_key
        and relationships.start_date >= participants.intake_date
    cross join last_day
    where relationships.start_date <= last_day.last_day
),

valid_spans as (
    select * from spans where end_date >= start_date
),

ordered as (
    select
        *,
        max(end_date) over (
            partition by programme, person_key
            order by start_date, end_date
            rows between unbounded preceding and 1 preceding
        ) as previous_max_end
    from valid_spans
),

numbered as (
    select
        *,
        sum(case when previous_max_end is null or start_date > previous_max_end + 1 then 1 else 0 end)
            over (partition by programme, person_key order by start_date, end_date rows unbounded preceding)
            as island
    from ordered
),

islands as (
    select programme, person_key, island, min(start_date) as start_date, max(end_date) as end_date
    from numbered
    group by programme, person_key, island
),

island_months as (
    select
        islands.*,
        generate_series(
            date_trunc('month', islands.start_date),
            date_trunc('month', islands.end_date),
            interval '1 month'
        )::date as month
    from islands
),

final as (
    select
        programme,
        person_key,
        month,
        sum(
            least(end_date, (month + interval '1 month' - interval '1 day')::date)
            - greatest(start_date, month) + 1
        )::integer as days_employed
    from island_months
    group by programme, person_key, month
)

select * from final
