-- One row per person in care (latest version). Personal data stops here: the CF
-- becomes person_key, the birth date an age band at the person's first referral,
-- names are dropped. A table, not a view: every model joins people to its facts, and
-- the pseudonym is computed once per person instead of once per joined row.
-- Incremental: a build recomputes the persons with a version or a referral extracted since
-- the previous build (the age band depends on the first referral).
{{ config(
    materialized='incremental',
    unique_key='person_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_id'], 'unique': true}, {'columns': ['extracted_at']}],
    post_hook='analyze {{ this }}',
) }}
{%- set referrals_seen = "'-infinity'::timestamptz" -%}
{%- if is_incremental() and '_referrals_extracted_at' in (adapter.get_columns_in_relation(this) | map(attribute='name')) -%}
    {%- set referrals_seen = "(select coalesce(max(_referrals_extracted_at), '-infinity'::timestamptz) from " ~ this ~ ")" -%}
{%- endif -%}
{%- set changed -%}
    select id_assistito from {{ source('social_services', 'sis_assistiti') }}
    where _extracted_at > (select coalesce(max(extracted_at), '-infinity'::timestamptz) from {{ this }})
    union
    select id_assistito from {{ source('social_services', 'sis_segnalazioni') }}
    where _extracted_at > {{ referrals_seen }}
{%- endset %}
with

people as (
    {% if is_incremental() -%}
    {{ latest_version(source('social_services', 'sis_assistiti'), 'id_assistito', where='id_assistito in (' ~ changed ~ ')') }}
    {%- else -%}
    {{ latest_version(source('social_services', 'sis_assistiti'), 'id_assistito') }}
    {%- endif %}
),

first_referral as (
    select id_assistito, min(data_segnalazione) as first_referral_date
    from {{ source('social_services', 'sis_segnalazioni') }}
    {% if is_incremental() %}where id_assistito in (select id_assistito from people){% endif %}
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
        people._extracted_at as extracted_at,
        (select max(_extracted_at) from {{ source('social_services', 'sis_segnalazioni') }}) as _referrals_extracted_at
    from people
    left join first_referral on first_referral.id_assistito = people.id_assistito
)

select * from final
