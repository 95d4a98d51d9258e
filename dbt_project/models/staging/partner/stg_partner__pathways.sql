-- One row per pathway enrolment (latest version).
with

pathways as (
    {{ latest_version(source('partner', 'partner_percorsi'), 'id_percorso') }}
),

final as (
    select
        id_percorso as pathway_id,
        {{ person_key('codice_fiscale') }} as person_key,
        programma as programme,
        case tipo_percorso
            when 'LAB_SOFT_SKILLS' then 'SOFT_SKILLS_LAB'
            when 'LAB_ON_THE_JOB' then 'ON_THE_JOB_LAB'
            when 'TIROCINIO_EXTRACURRICOLARE' then 'INTERNSHIP'
            when 'TIROCINIO_INCLUSIONE' then 'INCLUSION_INTERNSHIP'
        end as pathway_type,
        -- An internship hosted by a person (a sole trader) names no one.
        case when cf_azienda is null or {{ is_company_tax_code('cf_azienda') }} then ente end as provider_name,
        {{ person_key('cf_azienda') }} as host_employer_key,
        data_inizio as start_date,
        data_fine_prevista as planned_end_date,
        data_fine as end_date,
        case esito when 'COMPLETATO' then 'COMPLETED' when 'INTERROTTO' then 'INTERRUPTED' end as outcome,
        ore_previste as planned_hours,
        ore_frequentate as attended_hours,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from pathways
)

select * from final
