-- The applicants' profile, one breakdown per dimension (docs/method.md §8): people counted
-- once, at their first application (age band at that date; education null is
-- NOT_STATED), and their share of the dimension's people. Complementary small-cell
-- suppression (docs/method.md §6, macros/privacy/suppress_small_cells.sql): a suppressed
-- cell has no people and no share.
{% set dimensions = {'age_band': 'age_band', 'gender': 'gender', 'education': "coalesce(education_level, 'NOT_STATED')",
                     'municipality': 'municipality_code', 'referring_body': 'referring_body'} %}
with

applicants as (
    select * from {{ ref('int_ipl_first_applications') }}
),

long as (
    {% for dimension, expression in dimensions.items() %}
    select '{{ dimension }}' as dimension, ({{ expression }})::text as group_value, person_key
    from applicants
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

counted as (
    select dimension, group_value, count(distinct person_key) as people
    from long
    group by dimension, group_value
),

totals as (
    select dimension, sum(people) as dimension_people from counted group by dimension
),

cells as (
    {{ suppress_small_cells('counted', ['dimension'], ['group_value'], ['people']) }}
),

final as (
    select
        cells.dimension::text as dimension,
        group_value::text as group_value,
        people::integer as people,
        round(people::numeric / totals.dimension_people, 4)::numeric(5, 4) as share,
        suppressed
    from cells
    inner join totals using (dimension)
)

select * from final
