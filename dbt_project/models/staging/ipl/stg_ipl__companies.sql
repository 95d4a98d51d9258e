-- One row per company of the board (latest version). The tax code becomes employer_key,
-- keyed like person_key, so that it matches the CO's employer; a sole trader's is a
-- personal CF, and a sole trader keeps no name (docs/method.md §6).
with

companies as (
    {{ latest_version(source('ipl', 'ipl_aziende'), 'id_azienda') }}
),

final as (
    select
        id_azienda as company_id,
        {{ person_key('cf_azienda') }} as employer_key,
        case when {{ is_company_tax_code('cf_azienda') }} then denominazione end as company_name,
        not {{ is_company_tax_code('cf_azienda') }} as employer_is_person,
        ateco as ateco_code,
        comune as municipality_code,
        canale_adesione as joining_channel,
        data_adesione as joined_date,
        data_uscita as left_date,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from companies
)

select * from final
