-- One row per application (latest version). Personal data stops here: the CF becomes
-- person_key, the birth date an age band at the application (Bologna's bands), names and
-- the applicant's note are dropped. Codes are kept as the source spells them.
with

applications as (
    {{ latest_version(source('ipl', 'ipl_candidature'), 'id_candidatura') }}
),

final as (
    select
        id_candidatura as application_id,
        {{ person_key('codice_fiscale') }} as person_key,
        genere as gender,
        {{ age_band('data_nascita', "(data_candidatura at time zone 'Europe/Rome')::date", bounds=[30, 40, 50, 60]) }}
            as age_band,
        {{ education_level('titolo_studio') }} as education_level,
        comune_residenza as municipality_code,
        canale as channel,
        soggetto_inviante as referring_body,
        data_candidatura as applied_at,
        (data_candidatura at time zone 'Europe/Rome')::date as application_date,
        stato as status,
        stato = 'DUPLICATA' as is_flagged_duplicate,
        id_candidatura_originale as original_application_id,
        aggiornato_il as source_updated_at,
        _extracted_at as extracted_at
    from applications
)

select * from final
