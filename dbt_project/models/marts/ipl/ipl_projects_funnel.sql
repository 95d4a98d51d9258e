-- The projects funnel per project type (docs/method.md §8): each project counts once in
-- submitted and once in the column of its current state (approved and funded together);
-- the jobs the projects created and the amount funded.
with

projects as (
    select * from {{ ref('stg_ipl__projects') }}
),

types as (
    select * from (values ('AUTOIMPIEGO'), ('SOCIALE')) as t (project_type)
),

final as (
    select
        types.project_type::text as project_type,
        count(projects.project_id)::integer as submitted,
        count(*) filter (where projects.status = 'IN_ATTESA')::integer as waiting,
        count(*) filter (where projects.status = 'IN_VALUTAZIONE')::integer as under_evaluation,
        count(*) filter (where projects.status = 'NON_IDONEO')::integer as not_eligible,
        count(*) filter (where projects.status in ('APPROVATO', 'FINANZIATO'))::integer as approved_or_funded,
        coalesce(sum(projects.jobs_created), 0)::integer as jobs_created,
        coalesce(sum(projects.amount_funded_eur) filter (where projects.status = 'FINANZIATO'), 0)::numeric(14, 2)
            as amount_funded_eur
    from types
    left join projects on projects.project_type = types.project_type
    group by types.project_type
)

select * from final
