-- One row per person interviewed: the outcome, fragility index and readiness of their
-- latest interview (by date, then id), which decides (docs/method.md §8), and the date
-- of their first interview, from which a hiring counts.
with

interviews as (
    select * from {{ ref('int_ipl_interviews_scored') }}
),

latest as (
    select distinct on (person_key) *
    from interviews
    order by person_key, interview_date desc, interview_id desc
),

firsts as (
    select person_key, min(interview_date) as first_interview_date, count(*) as interviews
    from interviews
    group by person_key
),

final as (
    select
        latest.person_key,
        firsts.first_interview_date,
        firsts.interviews,
        latest.interview_id as latest_interview_id,
        latest.interview_date,
        latest.outcome,
        latest.fragility_index,
        case when latest.outcome = 'IN_TARGET' then latest.is_ready_now end as is_ready_now
    from latest
    inner join firsts on firsts.person_key = latest.person_key
)

select * from final
