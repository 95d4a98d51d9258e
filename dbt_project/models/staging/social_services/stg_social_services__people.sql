-- One row per person in care (latest version). Personal data stops here: the CF
-- becomes person_key, the birth date an age band at the person's first referral,
-- names are dropped. A table, not a view: every model joins people to its facts, and
-- the pseudonym is computed once per person instead of once per joined row.
{{ config(materialized='table', post_hook='analyze {{ this }}') }}
with

people as (
    {{ latest_version(source('social_services', 'sis_assistiti'), 'id_assistito') }}
),

first_referral as (
    select id_assistito, min(data_segnalazione) as first_referral_date
    from {{ source('social_services', 'sis_segnalazioni') }}
    group by id_assistito
),

final as (
    select
        people.id_assistito as person_id,
        {{ person_key('people.codice_fiscale') }} as person_key,
        people.sesso as sex,
        {{ age_band('people.data_nascita', 'coalesce(first_referral.first_referral_date, people.aggiornato_il::date)') }} as age_band,
        people.cittadinanza as citizenship_code,
        case when people.cittadinanza = 'ITA' then 'ITALIAN' else 'FOREIGN' end as citizenship_group,
        {{ education_level('people.titolo_studio') }} as education_level,
        people.comune_residenza as municipality_code,
        people.quartiere as district,
        {{ target_category('people.categoria_target') }} as target_category,
        people.categoria_target as target_category_code,
        people.aggiornato_il as source_updated_at,
        people._extracted_at as extracted_at
    from people
    left join first_referral on first_referral.id_assistito = people.id_assistito
)

select * from final
