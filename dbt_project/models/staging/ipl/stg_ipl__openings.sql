-- One row per opening a company proposed (latest version). The profile sought is free
-- text and stays in raw.
with

openings as (
    {{ latest_version(source('ipl', 'ipl_opportunita'), 'id_opportunita') }}
),

final as (
    select
        id_opportunita as opening_id,
        id_azienda as company_id,
        data_proposta as proposed_date,
        tipo as opening_type,
        posti as positions,
        stato as status,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from openings
)

select * from final
