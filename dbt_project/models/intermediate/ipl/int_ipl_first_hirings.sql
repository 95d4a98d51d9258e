-- One row per person interviewed who was hired: their first employment relationship (CO,
-- docs/method.md §5 step 3: internships are not employment) starting on or after their
-- first interview; a hiring before it is not the programme's (docs/method.md §8).
with

interviewed as (
    select person_key, first_interview_date from {{ ref('int_ipl_latest_interviews') }}
),

relationships as (
    select * from {{ ref('int_employment_relationships_resolved') }} where is_employment
),

final as (
    select distinct on (interviewed.person_key)
        interviewed.person_key,
        relationships.relationship_id,
        relationships.start_date as first_job_start,
        relationships.contract_type_code as first_job_contract_type,
        relationships.employer_key
    from interviewed
    inner join relationships
        on relationships.person_key = interviewed.person_key
        and relationships.start_date >= interviewed.first_interview_date
    order by interviewed.person_key, relationships.start_date, relationships.relationship_id
)

select * from final
