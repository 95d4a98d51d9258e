-- One row per movement of the fund (latest version). A reversal (STORNO) carries a
-- positive amount and is subtracted: spent_effect_eur is the movement's effect on what
-- was spent (+ an expense, - a reversal, 0 an allocation).
with

movements as (
    {{ latest_version(source('ipl', 'ipl_movimenti_fondo'), 'id_movimento') }}
),

final as (
    select
        id_movimento as movement_id,
        data_movimento as movement_date,
        fonte as funder,
        tipo as movement_type,
        voce as budget_line,
        importo as amount_eur,
        case tipo when 'SPESA' then importo when 'STORNO' then -importo else 0 end as spent_effect_eur,
        id_percorso as path_id,
        id_progetto as project_id,
        id_movimento_rif as reversed_movement_id,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from movements
)

select * from final
