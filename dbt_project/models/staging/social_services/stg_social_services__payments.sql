-- One row per welfare benefit payment (latest version: a payment cancelled later
-- shows as CANCELLED). The largest staging model (about 9 million rows at region
-- scale), so a table, incremental: a build takes the latest version of every payment
-- with a version extracted since the previous build, among all its versions, and
-- replaces its row. Indexed on extracted_at (the scoped tests, the persons to rebuild)
-- and person_id (the person-incremental models).
{{ config(
    materialized='incremental',
    unique_key='payment_id',
    incremental_strategy='delete+insert',
    indexes=[{'columns': ['extracted_at']}, {'columns': ['person_id']}],
    post_hook='analyze {{ this }}',
) }}
with

payments as (
    {% if is_incremental() %}
    {{ latest_version(source('social_services', 'sis_erogazioni'), 'id_erogazione', where="id_erogazione in (
        select id_erogazione from " ~ source('social_services', 'sis_erogazioni') ~ "
        where _extracted_at > (select coalesce(max(extracted_at), '-infinity'::timestamptz) from " ~ this ~ "))") }}
    {% else %}
    {{ latest_version(source('social_services', 'sis_erogazioni'), 'id_erogazione') }}
    {% endif %}
),

final as (
    select
        id_erogazione as payment_id,
        id_assistito as person_id,
        case tipo_prestazione
            when 'CONTRIBUTO_ECONOMICO' then 'INCOME_SUPPORT'
            when 'SOSTEGNO_ABITATIVO' then 'HOUSING_SUPPORT'
            when 'ACCOGLIENZA' then 'SHELTER'
            when 'BUONI_SPESA' then 'FOOD_VOUCHERS'
        end as benefit_type,
        mese_competenza as competence_month,
        importo as amount_eur,
        case stato when 'PAGATO' then 'PAID' when 'ANNULLATO' then 'CANCELLED' end as payment_status,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from payments
)

select * from final
