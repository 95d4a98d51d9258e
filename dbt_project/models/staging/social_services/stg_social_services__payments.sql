-- One row per welfare benefit payment (latest version: a payment cancelled later
-- shows as CANCELLED). The largest staging model (about 9 million rows at region
-- scale), so a table, incremental: a build takes the latest version of every payment
-- with a version extracted since the previous build, among all its versions, and
-- replaces its row (the ids go to a temporary table first, with its statistics; each
-- id's versions are then read through raw's version index, not by a scan of raw).
-- Indexed on extracted_at (the scoped tests, the persons to rebuild), person_id and
-- competence_month (a person's months from the first one a change affects, read by
-- int_payments_paid) and payment_id (the replacement).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    indexes=[{'columns': ['extracted_at']}, {'columns': ['person_id', 'competence_month']}, {'columns': ['payment_id'], 'unique': true}],
    pre_hook="{{ changed_source_ids(source('social_services', 'sis_erogazioni'), 'id_erogazione', 'extracted_at', 'payment_id') }}",
    post_hook='analyze {{ this }}',
) }}
with

payments as (
    {% if is_incremental() %}
    {{ latest_version(source('social_services', 'sis_erogazioni'), 'id_erogazione',
                      ids='select id from _changed_source_ids') }}
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
