-- One row per person (person_key) known to the social services, with generalised
-- attributes only: no name, CF, birth date or address (the person's describing record:
-- int_people_deduplicated).
with

people as (
    select * from {{ ref('int_people_deduplicated') }}
),

final as (
    select
        person_key::text as person_key,
        sex::text as sex,
        age_band::text as age_band,
        citizenship_group::text as citizenship_group,
        district::integer as district,
        target_category::text as target_category,
        education_level::text as education_level
    from people
)

select * from final
