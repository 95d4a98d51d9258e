-- One row per programme and edition: the numbers the hub reports ("56 met and
-- profiled, 7 in the soft-skills lab, 12 in the on-the-job lab, 10 into companies
-- through an internship"). A person counts in the edition of their journey (their
-- intake edition, else their latest referral's), and in every pathway type they
-- entered (started by the build's last day), not only the first. people_hired: an
-- employment relationship starting on or after intake. people_into_companies: hired,
-- or started an internship in a company (TIROCINIO_*), each person once: the hub counts
-- internships as placements, the savings method does not.
with

journeys as (
    select * from {{ ref('fct_journeys') }}
),

pathways as (
    select * from {{ ref('stg_partner__pathways') }}
),

last_day as (
    select ({{ through_month() }} + interval '1 month' - interval '1 day')::date as last_day
),

entered as (
    select
        pathways.programme,
        pathways.person_key,
        bool_or(pathways.pathway_type = 'SOFT_SKILLS_LAB') as entered_soft_skills_lab,
        bool_or(pathways.pathway_type = 'ON_THE_JOB_LAB') as entered_on_the_job_lab,
        bool_or(pathways.pathway_type in ('INTERNSHIP', 'INCLUSION_INTERNSHIP')) as entered_internship
    from pathways
    cross join last_day
    where pathways.start_date <= last_day.last_day
    group by pathways.programme, pathways.person_key
),

people as (
    select
        journeys.*,
        coalesce(entered.entered_soft_skills_lab, false) as entered_soft_skills_lab,
        coalesce(entered.entered_on_the_job_lab, false) as entered_on_the_job_lab,
        coalesce(entered.entered_internship, false) as entered_internship
    from journeys
    left join entered
        on entered.programme = journeys.programme
        and entered.person_key = journeys.person_key
),

final as (
    select
        programme,
        edition,
        count(*)::integer as people_referred,
        count(intake_date)::integer as people_taken_in_charge,
        count(assessment_date)::integer as people_assessed,
        count(*) filter (where entered_soft_skills_lab)::integer as people_in_soft_skills_lab,
        count(*) filter (where entered_on_the_job_lab)::integer as people_in_on_the_job_lab,
        count(*) filter (where entered_internship)::integer as people_in_internship,
        count(first_job_start)::integer as people_hired,
        count(*) filter (where first_job_start is not null or entered_internship)::integer as people_into_companies,
        count(*) filter (where current_stage in ('WITHDRAWN', 'NOT_ELIGIBLE'))::integer as people_withdrawn,
        count(*) filter (where current_stage in ('REFERRED', 'TAKEN_IN_CHARGE', 'ASSESSED'))::integer as people_waiting
    from people
    group by programme, edition
)

select * from final
