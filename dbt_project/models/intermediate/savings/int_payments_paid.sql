-- One row per person (person_key) and competence month with the benefits actually
-- paid: cancelled payments count nowhere (docs/method.md §5 step 2). Incremental by person
-- and month (a changed payment rebuilds its person's months from its competence month on):
-- the largest intermediate table (5 million rows from 8.7 million payments at region
-- scale). Indexed on its grain (the baselines read a person's months) and on _built_at
-- (the tests read the rows the build wrote).
-- depends_on: {{ ref('stg_sources__watermark') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_key', 'month'], 'unique': true}, {'columns': ['_built_at']}],
    pre_hook="{{ prepare_person_increment(by_month=true) }}",
) }}
with

payments as (
    select * from {{ ref('stg_social_services__payments') }}
),

people as (
    select person_id, person_key from {{ ref('stg_social_services__people') }}
),

final as (
    select
        people.person_key,
        payments.competence_month as month,
        sum(payments.amount_eur) as benefits_paid_eur,
        count(*) as payment_count,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from payments
    inner join people on people.person_id = payments.person_id
    {% if is_incremental() -%}
    -- a changed person's months from the first one a change affects (macros/person_increment/)
    inner join _persons_to_rebuild as rebuilt
        on rebuilt.person_key = people.person_key
        and payments.competence_month >= rebuilt.from_month
    {%- endif %}
    where payments.payment_status = 'PAID'
    group by people.person_key, payments.competence_month
)

select * from final
