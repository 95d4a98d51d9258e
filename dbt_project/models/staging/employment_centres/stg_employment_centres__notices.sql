-- One row per CO notice, as notified (corrections and cancellations are applied in
-- intermediate). The worker's CF becomes person_key, the employer's tax code
-- employer_key (the same keyed pseudonym). An employer who is a person (a 16-character
-- CF: a family, a sole trader) keeps no name: only companies' names are published.
with

notices as (
    select * from {{ source('employment_centres', 'co_notices') }}
),

final as (
    select
        id_comunicazione as notice_id,
        case tipo_evento
            when 'ASSUNZIONE' then 'HIRING'
            when 'PROROGA' then 'EXTENSION'
            when 'TRASFORMAZIONE' then 'TRANSFORMATION'
            when 'CESSAZIONE' then 'TERMINATION'
            when 'RETTIFICA' then 'CORRECTION'
            when 'ANNULLAMENTO' then 'CANCELLATION'
        end as event_type,
        data_invio as sent_date,
        id_comunicazione_rif as referenced_notice_id,
        {{ person_key('cf_lavoratore') }} as person_key,
        {{ person_key('cf_datore') }} as employer_key,
        case when {{ is_company_tax_code('cf_datore') }} then denominazione_datore end as employer_name,
        not {{ is_company_tax_code('cf_datore') }} as employer_is_person,
        ateco as ateco_code,
        comune_sede as workplace_municipality_code,
        tipo_contratto as contract_type_code,
        data_inizio as start_date,
        data_fine as end_date,
        data_cessazione as termination_date,
        case causa_cessazione
            when 'DIMISSIONI' then 'RESIGNATION'
            when 'LICENZIAMENTO' then 'DISMISSAL'
            when 'FINE_TERMINE' then 'END_OF_TERM'
            when 'ALTRO' then 'OTHER'
        end as termination_reason,
        case orario when 'TP' then 'FULL_TIME' when 'PT' then 'PART_TIME' end as working_time,
        ore_settimanali as weekly_hours,
        qualifica_istat as occupation_code,
        centro_impiego as employment_centre,
        _file_name as source_file_name,
        _loaded_at as loaded_at
    from notices
)

select * from final
