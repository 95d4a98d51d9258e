-- One row per programme and edition: the numbers the hub reports (people referred,
-- taken in charge, assessed, in each pathway type, placed in work, withdrawn,
-- waiting). A person counts in the edition of their journey (their intake edition,
-- else their latest referral's).
with

journeys as (
    select * from {{ ref('fct_journeys') }}
),

final as (
    select
        programme,
        edition,
        count(*)::integer as people_referred,
        count(intake_date)::integer as people_taken_in_charge,
        count(assessment_date)::integer as people_assessed,
        count(*) filter (where first_pathway_type = 'SOFT_SKILLS_LAB')::integer as people_in_soft_skills_lab,
        count(*) filter (where first_pathway_type = 'ON_THE_JOB_LAB')::integer as people_in_on_the_job_lab,
        count(*) filter (where first_pathway_type in ('INTERNSHIP', 'INCLUSION_INTERNSHIP'))::integer as people_in_internship,
        count(first_job_start)::integer as people_placed_in_work,
        count(*) filter (where current_stage in ('WITHDRAWN', 'NOT_ELIGIBLE'))::integer as people_withdrawn,
        count(*) filter (where current_stage in ('REFERRED', 'TAKEN_IN_CHARGE', 'ASSESSED'))::integer as people_waiting
    from journeys
    group by programme, edition
)

select * from final
