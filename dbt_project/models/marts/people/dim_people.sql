-- One row per person (person_key) known to the social services, with generalised
-- attributes only: no name, CF, birth date or address. When two SIS records share a
-- CF, the most recently updated one describes the person.
with

people as (
    select * from {{ ref('stg_social_services__people') }}
),

final as (
    select distinct on (person_key)
        person_key::text as person_key,
        sex::text as sex,
        age_band::text as age_band,
        citizenship_group::text as citizenship_group,
        district::integer as district,
        target_category::text as target_category,
        education_level::text as education_level
    from people
    order by person_key, source_updated_at desc, person_id desc
)

select * from final
