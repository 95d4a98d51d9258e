-- Journey outcomes per programme broken down by one personal attribute at a time (sex,
-- age band, citizenship group, district, target category). Grain: one row per
-- programme, attribute and value. Complementary small-cell suppression
-- (macros/privacy/suppress_small_cells.sql): every count of fewer than 5 people is null, and
-- so is the next smallest cell of a breakdown that would otherwise have one null cell
-- (its total is published elsewhere); suppressed rows are flagged.
with

journeys as (
    select * from {{ ref('fct_journeys') }}
),

people as (
    select * from {{ ref('dim_people') }}
),

joined as (
    select journeys.*, people.sex, people.age_band, people.citizenship_group,
           people.district::text as district, people.target_category
    from journeys
    inner join people on people.person_key = journeys.person_key
),

long as (
    {% for attribute in ['sex', 'age_band', 'citizenship_group', 'district', 'target_category'] %}
    select programme, '{{ attribute }}' as attribute, coalesce({{ attribute }}, 'UNKNOWN') as attribute_value,
           person_key, intake_date, first_job_start, employed_6m_after_first_job
    from joined
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

counted as (
    select
        programme,
        attribute,
        attribute_value,
        count(distinct person_key) as people_referred,
        count(distinct person_key) filter (where intake_date is not null) as people_taken_in_charge,
        count(distinct person_key) filter (where first_job_start is not null) as people_placed_in_work,
        count(distinct person_key) filter (where employed_6m_after_first_job) as people_employed_6m_after
    from long
    group by programme, attribute, attribute_value
),

final as (
    {{ suppress_small_cells('counted', ['programme', 'attribute'], ['attribute_value'],
                            ['people_referred', 'people_taken_in_charge', 'people_placed_in_work',
                             'people_employed_6m_after']) }}
)

select
    programme::text as programme,
    attribute::text as attribute,
    attribute_value::text as attribute_value,
    people_referred,
    people_taken_in_charge,
    people_placed_in_work,
    people_employed_6m_after,
    suppressed
from final
