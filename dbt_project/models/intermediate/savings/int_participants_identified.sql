-- One row per participant: a person (person_key) with a referral to a programme whose
-- outcome is TAKEN_IN_CHARGE; the intake date is the earliest such outcome date
-- (docs/method.md §5 step 1).
with

referrals as (
    select * from {{ ref('int_referrals_keyed') }}
),

final as (
    select
        referrals.programme,
        referrals.person_key,
        min(referrals.outcome_date) as intake_date,
        date_trunc('month', min(referrals.outcome_date))::date as intake_month,
        (array_agg(referrals.edition order by referrals.outcome_date, referrals.referral_id))[1] as intake_edition
    from referrals
    where referrals.outcome = 'TAKEN_IN_CHARGE'
        and referrals.outcome_date is not null
    group by referrals.programme, referrals.person_key
)

select * from final
