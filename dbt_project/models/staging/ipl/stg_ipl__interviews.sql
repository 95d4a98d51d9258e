-- One row per first interview (latest version): the six fragility items (0 no difficulty
-- .. 3 severe, null not assessed) and the outcome in English. The interviewer's user name
-- stays in raw.
with

interviews as (
    {{ latest_version(source('ipl', 'ipl_colloqui'), 'id_colloquio') }}
),

final as (
    select
        id_colloquio as interview_id,
        id_candidatura as application_id,
        data_colloquio as interview_date,
        item_lavoro as item_work,
        item_reddito as item_income,
        item_abitazione as item_housing,
        item_salute as item_health,
        item_relazioni as item_relations,
        item_autonomia as item_autonomy,
        case esito
            when 'IN_TARGET' then 'IN_TARGET'
            when 'FRAGILITA_CONCLAMATA' then 'OVERT_FRAGILITY'
            when 'FUORI_TARGET' then 'OUT_OF_TARGET'
        end as outcome,
        pronto_inserimento as is_ready_now,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from interviews
)

select * from final
