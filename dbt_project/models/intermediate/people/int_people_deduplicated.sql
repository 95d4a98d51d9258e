-- One row per person (person_key) known to the social services. When two SIS records
-- share a CF, the most recently updated one describes the person: their attributes
-- (dim_people) and their target category (the theoretical cost of docs/method.md §5).
with

people as (
    select * from {{ ref('stg_social_services__people') }}
),

final as (
    select distinct on (person_key) *
    from people
    order by person_key, source_updated_at desc, person_id desc
)

select * from final
