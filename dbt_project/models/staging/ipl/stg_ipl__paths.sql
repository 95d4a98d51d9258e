-- One row per path (latest version): a person's activity along one of the programme's
-- lines (direttrice, as the source spells it) or empowerment.
with

paths as (
    {{ latest_version(source('ipl', 'ipl_percorsi'), 'id_percorso') }}
),

final as (
    select
        id_percorso as path_id,
        id_candidatura as application_id,
        direttrice as line,
        attivita as activity,
        id_azienda as company_id,
        id_opportunita as opening_id,
        id_progetto as project_id,
        data_inizio as start_date,
        data_fine as end_date,
        esito as outcome,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from paths
)

select * from final
