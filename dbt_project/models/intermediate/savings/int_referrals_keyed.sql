-- Referrals with the referred person's person_key (SIS names people by its own id).
-- The grain is one row per referral whose person is in staging.
with

referrals as (
    select * from {{ ref('stg_social_services__referrals') }}
),

people as (
    select person_id, person_key from {{ ref('stg_social_services__people') }}
),

final as (
    select referrals.*, people.person_key
    from referrals
    inner join people on people.person_id = referrals.person_id
)

select * from final
