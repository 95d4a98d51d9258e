-- Pathway enrolments (labs, internships) with their host employer. The grain is one
-- row per pathway.
with

pathways as (
    select * from {{ ref('stg_partner__pathways') }}
),

final as (
    select
        pathway_id::bigint as pathway_id,
        person_key::text as person_key,
        programme::text as programme,
        pathway_type::text as pathway_type,
        provider_name::text as provider_name,
        host_employer_key::text as host_employer_key,
        start_date,
        planned_end_date,
        end_date,
        outcome::text as outcome,
        planned_hours,
        attended_hours,
        case when planned_hours > 0 then round(attended_hours::numeric / planned_hours, 3) end as attendance_rate
    from pathways
)

select * from final
