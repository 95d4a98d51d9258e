-- One row per employability assessment (latest version). The case worker's note
-- is free text and stays in raw.
with

assessments as (
    {{ latest_version(source('partner', 'partner_profilazioni'), 'id_profilazione') }}
),

final as (
    select
        id_profilazione as assessment_id,
        {{ person_key('codice_fiscale') }} as person_key,
        programma as programme,
        data_colloquio as assessment_date,
        case occupabilita when 'BASSA' then 'LOW' when 'MEDIA' then 'MEDIUM' when 'ALTA' then 'HIGH' end as employability,
        punteggio as score,
        case percorso_proposto
            when 'LAB_SOFT_SKILLS' then 'SOFT_SKILLS_LAB'
            when 'LAB_ON_THE_JOB' then 'ON_THE_JOB_LAB'
            when 'TIROCINIO' then 'INTERNSHIP'
            when 'INSERIMENTO_DIRETTO' then 'DIRECT_PLACEMENT'
            when 'NESSUNO' then 'NONE'
        end as proposed_pathway,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from assessments
)

select * from final
