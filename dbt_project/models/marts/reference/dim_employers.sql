-- Employers: the partner's company network and every other employer met in the CO
-- notices. The grain is one row per employer_key (keyed pseudonym of the tax code).
-- Employers who are people (families employing a domestic worker, sole traders) have
-- no name: staging drops it.
with

network as (
    select * from {{ ref('stg_partner__companies') }}
),

from_notices as (
    select distinct on (employer_key) employer_key, employer_name, employer_is_person, ateco_code
    from {{ ref('stg_employment_centres__notices') }}
    where employer_key is not null
    order by employer_key, sent_date desc, notice_id desc
),

unioned as (
    select employer_key, employer_name, employer_is_person, ateco_code, is_l68_obligated, business_association,
           joined_date, true as is_in_network
    from network
    union all
    select employer_key, employer_name, employer_is_person, ateco_code, null, null, null, false
    from from_notices
    where not exists (select from network where network.employer_key = from_notices.employer_key)
),

final as (
    select
        employer_key::text as employer_key,
        employer_name::text as employer_name,
        employer_is_person,
        ateco_code::text as ateco_code,
        (case left(ateco_code, 5)
            when '81.30' then 'GREEN_MAINTENANCE'
            when '81.21' then 'CLEANING'
            when '81.22' then 'CLEANING'
            when '56.10' then 'CATERING'
            when '56.29' then 'CATERING'
            when '56.21' then 'CATERING'
            when '52.29' then 'LOGISTICS'
            when '52.10' then 'LOGISTICS'
            when '49.41' then 'LOGISTICS'
            when '97.00' then 'DOMESTIC_WORK'
            else 'OTHER'
        end)::text as sector,
        is_l68_obligated,
        business_association::text as business_association,
        joined_date,
        is_in_network
    from unioned
)

select * from final
