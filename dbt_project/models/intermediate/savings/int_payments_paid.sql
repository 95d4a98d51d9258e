-- One row per participant (person_key) and competence month with the benefits actually
-- paid: cancelled payments count nowhere (docs/method.md §5 step 2). Only the persons
-- with an intake in some programme (int_participants_identified): the savings method
-- reads no one else's payments, and most people paid by social services are in no
-- programme. Incremental by person and month: a changed payment rebuilds its person's
-- months from its competence month on, a changed referral (who is a participant) the
-- person's every month, and the rows held for someone who is no participant now (a
-- table built before this rule) are deleted. Indexed on its grain (the baselines read a
-- person's months) and on _built_at (the tests read the rows the build wrote).
-- depends_on: {{ ref('stg_sources__watermark') }}
-- depends_on: {{ ref('stg_social_services__referrals') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_key', 'month'], 'unique': true}, {'columns': ['_built_at']}],
    pre_hook="{{ prepare_person_increment(by_month=true, with_journeys='referrals', everyone=not_a_participant()) }}",
) }}
with

payments as (
    select * from {{ ref('stg_social_services__payments') }}
),

people as (
    select person_id, person_key from {{ ref('stg_social_services__people') }}
    where person_key in (select person_key from {{ ref('int_participants_identified') }})
),

final as (
    {% if is_incremental() -%}
    -- a changed person's months from the first one a change affects (macros/person_increment/):
    -- per person id, through the staging's (person_id, competence_month) index, so a new
    -- month reads the month's payments, not every payment of the persons paid in it. One
    -- person_key may have several person ids (registered twice): summed per person_key.
    select
        rebuilt.person_key,
        paid.competence_month as month,
        sum(paid.amount_eur) as benefits_paid_eur,
        count(*) as payment_count,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from _persons_to_rebuild as rebuilt
    inner join people on people.person_key = rebuilt.person_key
    cross join lateral (
        select payments.competence_month, payments.amount_eur
        from payments
        where payments.person_id = people.person_id
            and payments.competence_month >= rebuilt.from_month
            and payments.payment_status = 'PAID'
    ) as paid
    group by rebuilt.person_key, paid.competence_month
    {%- else -%}
    select
        people.person_key,
        payments.competence_month as month,
        sum(payments.amount_eur) as benefits_paid_eur,
        count(*) as payment_count,
        {{ source_watermark() }} as _source_watermark,
        now() as _built_at
    from payments
    inner join people on people.person_id = payments.person_id
    where payments.payment_status = 'PAID'
    group by people.person_key, payments.competence_month
    {%- endif %}
)

select * from final
