-- One row per company in the partner's network (latest version). The tax code
-- becomes employer_key; a sole trader's is a personal CF, and a sole trader keeps no
-- name (docs/method.md §6: only companies' names are published).
with

companies as (
    {{ latest_version(source('partner', 'partner_aziende'), 'cf_azienda') }}
),

final as (
    select
        {{ person_key('cf_azienda') }} as employer_key,
        case when {{ is_company_tax_code('cf_azienda') }} then denominazione end as employer_name,
        not {{ is_company_tax_code('cf_azienda') }} as employer_is_person,
        ateco as ateco_code,
        comune as municipality_code,
        obbligo_l68 as is_l68_obligated,
        associazione as business_association,
        data_adesione as joined_date,
        aggiornato_il as source_updated_at
    from companies
)

select * from final
