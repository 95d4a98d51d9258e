-- The programme's results per calendar year (docs/method.md §8): people who first applied,
-- were first interviewed with an outcome in target, were first hired after their first
-- interview, started a TIROCINIO path, or proposed a self-employment project funded in the
-- year; the jobs created by the projects funded in the year; what was spent (expenses less
-- reversals dated in the year) and its cost per person into work (spent / (hired +
-- self-employed), null when none).
with

applicants as (
    select person_key, extract(year from first_application_date)::integer as year
    from {{ ref('int_ipl_first_applications') }}
),

interviews as (
    select person_key, extract(year from first_interview_date)::integer as year, outcome
    from {{ ref('int_ipl_latest_interviews') }}
),

hirings as (
    select person_key, extract(year from first_job_start)::integer as year from {{ ref('int_ipl_first_hirings') }}
),

applications as (
    select application_id, person_key from {{ ref('stg_ipl__applications') }}
),

internships as (
    select applications.person_key, extract(year from paths.start_date)::integer as year
    from {{ ref('stg_ipl__paths') }} as paths
    inner join applications on applications.application_id = paths.application_id
    where paths.activity = 'TIROCINIO'
),

funded as (
    select projects.*, applications.person_key, extract(year from projects.status_date)::integer as year
    from {{ ref('stg_ipl__projects') }} as projects
    left join applications on applications.application_id = projects.proposer_application_id
    where projects.status = 'FINANZIATO'
),

spent as (
    select extract(year from movement_date)::integer as year, sum(spent_effect_eur) as spent_eur
    from {{ ref('stg_ipl__fund_movements') }}
    group by 1
),

years as (
    select year from applicants union select year from interviews union select year from hirings
    union select year from internships union select year from funded union select year from spent
),

counted as (
    select
        years.year,
        (select count(distinct person_key) from applicants where applicants.year = years.year) as people_applied,
        (select count(distinct person_key) from interviews
         where interviews.year = years.year and interviews.outcome = 'IN_TARGET') as people_in_target,
        (select count(distinct person_key) from hirings where hirings.year = years.year) as people_hired,
        (select count(distinct person_key) from internships where internships.year = years.year)
            as people_in_internship,
        (select count(distinct person_key) from funded
         where funded.year = years.year and funded.project_type = 'AUTOIMPIEGO') as people_self_employed,
        (select coalesce(sum(jobs_created), 0) from funded where funded.year = years.year) as jobs_created_by_projects,
        coalesce((select spent_eur from spent where spent.year = years.year), 0) as spent_eur
    from years
    where years.year is not null
),

final as (
    select
        year::integer as year,
        people_applied::integer as people_applied,
        people_in_target::integer as people_in_target,
        people_hired::integer as people_hired,
        people_in_internship::integer as people_in_internship,
        people_self_employed::integer as people_self_employed,
        jobs_created_by_projects::integer as jobs_created_by_projects,
        spent_eur::numeric(14, 2) as spent_eur,
        {{ eur('spent_eur / nullif(people_hired + people_self_employed, 0)') }}::numeric(14, 2)
            as cost_per_person_into_work_eur
    from counted
)

select * from final
