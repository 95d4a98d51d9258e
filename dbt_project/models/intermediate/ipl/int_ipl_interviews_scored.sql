-- One row per first interview, with the person and the fragility index: the mean of the
-- items assessed divided by 3 (0 no difficulty .. 1 every item severe), three decimals;
-- null when no item was assessed (docs/method.md §8).
-- Incremental by person like int_ipl_first_applications.
-- depends_on: {{ ref('stg_social_services__people') }}
-- depends_on: {{ ref('stg_ipl__applications') }}
-- depends_on: {{ ref('stg_ipl__interviews') }}
-- depends_on: {{ ref('stg_ipl__paths') }}
-- depends_on: {{ ref('stg_ipl__projects') }}
-- depends_on: {{ ref('stg_sources__watermark') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['interview_id'], 'unique': true}],
    pre_hook="{{ prepare_person_increment(with_ipl=true, with_payments=false) }}",
) }}
{% set items = ['item_work', 'item_income', 'item_housing', 'item_health', 'item_relations', 'item_autonomy'] %}
with

interviews as (
    select * from {{ ref('stg_ipl__interviews') }}
),

applications as (
    select application_id, person_key from {{ ref('stg_ipl__applications') }}
    where true {{ only_persons_to_rebuild() }}
),

final as (
    select
        interviews.interview_id,
        applications.person_key,
        interviews.application_id,
        interviews.interview_date,
        interviews.outcome,
        interviews.is_ready_now,
        ({% for item in items %}coalesce(interviews.{{ item }}, 0){{ ' + ' if not loop.last }}{% endfor %}) as item_points,
        ({% for item in items %}(interviews.{{ item }} is not null)::int{{ ' + ' if not loop.last }}{% endfor %})
            as items_assessed
    from interviews
    inner join applications on applications.application_id = interviews.application_id
)

select
    *,
    round(item_points::numeric / nullif(items_assessed, 0) / 3, 3) as fragility_index,
    {{ source_watermark() }} as _source_watermark,
    now() as _built_at
from final
