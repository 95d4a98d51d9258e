-- "Esito del confronto con i Servizi Sociali" (docs/method.md §8): per latest interview
-- outcome, the people, those whose CF is in SIS, and those unknown to it (the new needs
-- the programme reached).
with

journeys as (
    select * from {{ ref('ipl_journeys') }} where interview_outcome is not null
),

final as (
    select
        interview_outcome::text as interview_outcome,
        count(*)::integer as people,
        count(*) filter (where known_to_social_services)::integer as people_known_to_social_services,
        count(*) filter (where not known_to_social_services)::integer as people_unknown
    from journeys
    group by 1
)

select * from final
