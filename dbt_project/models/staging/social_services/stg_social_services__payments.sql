-- One row per welfare benefit payment (latest version: a payment cancelled later
-- shows as CANCELLED).
with

payments as (
    {{ latest_version(source('social_services', 'sis_erogazioni'), 'id_erogazione') }}
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
