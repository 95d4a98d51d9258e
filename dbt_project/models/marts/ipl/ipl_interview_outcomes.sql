-- Interview outcomes by the month of the person's first interview (docs/method.md §8),
-- each person counted once with their latest interview's outcome: people interviewed, in
-- target, with overt fragility, out of target, ready now (in target and ready), the share
-- ready now of those in target (four decimals) and the mean fragility index of those in
-- target (three decimals).
with

interviews as (
    select * from {{ ref('int_ipl_latest_interviews') }}
),

final as (
    select
        date_trunc('month', first_interview_date)::date as month,
        count(*)::integer as people_interviewed,
        count(*) filter (where outcome = 'IN_TARGET')::integer as people_in_target,
        count(*) filter (where outcome = 'OVERT_FRAGILITY')::integer as people_overt_fragility,
        count(*) filter (where outcome = 'OUT_OF_TARGET')::integer as people_out_of_target,
        count(*) filter (where outcome = 'IN_TARGET' and is_ready_now)::integer as people_ready_now,
        round(count(*) filter (where outcome = 'IN_TARGET' and is_ready_now)::numeric
              / nullif(count(*) filter (where outcome = 'IN_TARGET'), 0), 4)::numeric(5, 4) as share_ready_now,
        round(avg(fragility_index) filter (where outcome = 'IN_TARGET'), 3)::numeric(4, 3)
            as avg_fragility_index_in_target
    from interviews
    group by 1
)

select * from final
