-- The 12-month cap of docs/method.md §5 (steps 5 and 6), one row per participant and
-- month: a month is counted when it is employed and one of the participant's first
-- max_counted_months employed months (the rule of the month says how many; the running
-- count starts at the intake month). Saving: max(0, b - benefits paid for the month) in a
-- counted month, else 0, rounded to cents: the figure published per participant
-- (fct_participant_months, a view of this table) and summed by the budget.
-- Incremental on int_participant_months_classified, which it reads
-- (macros/person_increment/recount_from_classified.sql): the months classified wrote
-- since this table's last build are recounted, each participant from the first of them
-- with the running count carried on from the month before, and the rows whose month
-- classified no longer holds are deleted. Its rows follow from classified's alone, so it
-- needs no view of the sources' changes.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    indexes=[{'columns': ['person_key', 'programme', 'month'], 'unique': true}, {'columns': ['_built_at']}],
    pre_hook="{{ recount_from_classified(ref('int_participant_months_classified')) }}",
) }}
with

classified as (
    select classified.*
    from {{ ref('int_participant_months_classified') }} as classified
    {% if is_incremental() -%}
    -- the months this build recounts: from the first one classified wrote since the last
    inner join _persons_to_rebuild as rebuilt
        on rebuilt.programme = classified.programme
        and rebuilt.person_key = classified.person_key
        and classified.month >= rebuilt.from_month
    {%- endif %}
),

carried as (
    {% if is_incremental() -%}
    -- the running count at the month before the first one recomputed (a participant's rows
    -- are consecutive months from the intake; none before it: 0)
    select held.programme, held.person_key, held.employed_months_so_far
    from {{ this }} as held
    inner join (
        select programme, person_key, min(month) as first_month from classified group by programme, person_key
    ) as firsts
        on firsts.programme = held.programme
        and firsts.person_key = held.person_key
        and held.month = (firsts.first_month - interval '1 month')::date
    {%- else -%}
    select null::text as programme, null::text as person_key, 0::bigint as employed_months_so_far
    where false
    {%- endif %}
),

counted as (
    select
        classified.*,
        coalesce(carried.employed_months_so_far, 0)
        + sum(case when classified.is_employed_month then 1 else 0 end) over (
            partition by classified.programme, classified.person_key order by classified.month
            rows unbounded preceding
        ) as employed_months_so_far
    from classified
    left join carried
        on carried.programme = classified.programme
        and carried.person_key = classified.person_key
),

final as (
    select
        programme,
        person_key,
        month,
        intake_date,
        rule_version,
        baseline_method,
        days_employed,
        is_employed_month,
        benefits_paid_eur,
        baseline_monthly_eur,
        employed_months_so_far,
        is_employed_month and employed_months_so_far <= max_counted_months as is_counted_month,
        case
            when is_employed_month and employed_months_so_far <= max_counted_months
                then {{ eur('greatest(0, baseline_monthly_eur - benefits_paid_eur)') }}
            else 0
        end::numeric(14, 2) as saving_eur,
        _source_watermark,
        _rules_fingerprint,
        now() as _built_at
    from counted
)

select * from final
