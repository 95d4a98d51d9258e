-- Applications per month, channel and referring body (docs/method.md §8): applications
-- not flagged DUPLICATA, and the people whose first application it was. One row per
-- month, channel and referring body with at least one application.
with

applications as (
    select * from {{ ref('stg_ipl__applications') }} where not is_flagged_duplicate
),

firsts as (
    select first_application_id from {{ ref('int_ipl_first_applications') }}
),

final as (
    select
        date_trunc('month', applications.application_date)::date as month,
        applications.channel::text as channel,
        applications.referring_body::text as referring_body,
        count(*)::integer as applications,
        count(firsts.first_application_id)::integer as people_first_applying
    from applications
    left join firsts on firsts.first_application_id = applications.application_id
    group by 1, 2, 3
)

select * from final
