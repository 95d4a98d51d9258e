-- One row per referral of a person to a programme (latest version).
with

referrals as (
    {{ latest_version(source('social_services', 'sis_segnalazioni'), 'id_segnalazione') }}
),

final as (
    select
        id_segnalazione as referral_id,
        id_assistito as person_id,
        programma as programme,
        edizione as edition,
        servizio_inviante as referring_service,
        data_segnalazione as referral_date,
        case esito
            when 'PRESO_IN_CARICO' then 'TAKEN_IN_CHARGE'
            when 'NON_IDONEO' then 'NOT_ELIGIBLE'
            when 'RINUNCIA' then 'WITHDRAWN'
        end as outcome,
        data_esito as outcome_date,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from referrals
)

select * from final
