-- One row per project submitted to the calls (latest version: its current state). The
-- title is free text and stays in raw.
with

projects as (
    {{ latest_version(source('ipl', 'ipl_progetti'), 'id_progetto') }}
),

final as (
    select
        id_progetto as project_id,
        tipo as project_type,
        id_candidatura as proposer_application_id,
        data_presentazione as submitted_date,
        stato as status,
        data_stato as status_date,
        importo_richiesto as amount_requested_eur,
        importo_finanziato as amount_funded_eur,
        occupati_creati as jobs_created,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from projects
)

select * from final
