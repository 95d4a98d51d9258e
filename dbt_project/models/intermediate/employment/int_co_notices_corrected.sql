-- One row per CO notice that still stands after corrections and cancellations
-- (docs/method.md §5 step 3, first part). A correction (RETTIFICA) replaces every field of the
-- notice it refers to, which keeps its own id, event type, sent date and reference;
-- with several corrections the last by (sent_date, notice_id) wins. A cancellation
-- (ANNULLAMENTO) removes the notice it refers to, whatever corrections it had.
{% set replaced = ['person_key', 'employer_key', 'employer_name', 'ateco_code',
    'workplace_municipality_code', 'contract_type_code', 'start_date', 'end_date',
    'termination_date', 'termination_reason', 'working_time', 'weekly_hours',
    'occupation_code', 'employment_centre'] %}
with

notices as (
    select * from {{ ref('stg_employment_centres__notices') }}
),

cancelled as (
    select distinct referenced_notice_id as notice_id
    from notices
    where event_type = 'CANCELLATION'
),

latest_corrections as (
    select distinct on (corrections.referenced_notice_id) corrections.*
    from notices as corrections
    where corrections.event_type = 'CORRECTION'
        and not exists (select from cancelled where cancelled.notice_id = corrections.notice_id)
    order by corrections.referenced_notice_id, corrections.sent_date desc, corrections.notice_id desc
),

standing as (
    select *
    from notices
    where event_type not in ('CORRECTION', 'CANCELLATION')
        and not exists (select from cancelled where cancelled.notice_id = notices.notice_id)
),

final as (
    select
        standing.notice_id,
        standing.event_type,
        standing.sent_date,
        standing.referenced_notice_id,
        {% for column in replaced -%}
        case when latest_corrections.notice_id is null then standing.{{ column }}
             else latest_corrections.{{ column }} end as {{ column }},
        {% endfor -%}
        latest_corrections.notice_id as correction_notice_id,
        latest_corrections.notice_id is not null as is_corrected
    from standing
    left join latest_corrections on latest_corrections.referenced_notice_id = standing.notice_id
)

select * from final
