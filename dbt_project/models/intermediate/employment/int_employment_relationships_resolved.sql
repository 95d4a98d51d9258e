-- One row per relationship (identified by the notice id of its hiring), resolved from
-- the corrected notices exactly as docs/method.md §5 step 3 says: the notices of a relationship
-- apply in order of (sent_date, notice_id); a hiring opens it (start, end, contract
-- type), an extension sets a new end, a transformation a new contract type and end
-- (empty: open-ended), a termination sets the end to the last day worked. A cancelled
-- hiring removes the relationship; notices of a relationship never hired are not here
-- (they wait in quarantine until the hiring arrives). Internships (C.01.00) are kept
-- but flagged: they are pathways, not employment.
with

notices as (
    select * from {{ ref('int_co_notices_corrected') }}
),

hirings as (
    select * from notices where event_type = 'HIRING'
),

relationship_events as (
    select
        notice_id as relationship_id,
        notice_id,
        event_type,
        sent_date,
        end_date as sets_end_date,
        contract_type_code as sets_contract_type_code,
        null::text as termination_reason
    from hirings
    union all
    select
        changes.referenced_notice_id,
        changes.notice_id,
        changes.event_type,
        changes.sent_date,
        case changes.event_type
            when 'TERMINATION' then changes.termination_date
            else changes.end_date
        end,
        case when changes.event_type = 'TRANSFORMATION' then changes.contract_type_code end,
        changes.termination_reason
    from notices as changes
    inner join hirings on hirings.notice_id = changes.referenced_notice_id
    where changes.event_type in ('EXTENSION', 'TRANSFORMATION', 'TERMINATION')
),

last_end as (
    select distinct on (relationship_id)
        relationship_id, sets_end_date as end_date, event_type as last_event_type, termination_reason
    from relationship_events
    order by relationship_id, sent_date desc, notice_id desc
),

last_contract_type as (
    select distinct on (relationship_id)
        relationship_id, sets_contract_type_code as contract_type_code
    from relationship_events
    where event_type in ('HIRING', 'TRANSFORMATION')
    order by relationship_id, sent_date desc, notice_id desc
),

event_counts as (
    select relationship_id, count(*) - 1 as change_count
    from relationship_events
    group by relationship_id
),

final as (
    select
        hirings.notice_id as relationship_id,
        hirings.person_key,
        hirings.employer_key,
        hirings.employer_name,
        hirings.ateco_code,
        hirings.workplace_municipality_code,
        hirings.start_date,
        last_end.end_date,
        last_contract_type.contract_type_code,
        last_contract_type.contract_type_code = 'C.01.00' as is_internship,
        last_contract_type.contract_type_code <> 'C.01.00' as is_employment,
        last_end.end_date is null as is_open_ended,
        case when last_end.last_event_type = 'TERMINATION' then last_end.termination_reason end as termination_reason,
        hirings.working_time,
        hirings.weekly_hours,
        hirings.occupation_code,
        event_counts.change_count,
        hirings.sent_date as hiring_sent_date
    from hirings
    inner join last_end on last_end.relationship_id = hirings.notice_id
    inner join last_contract_type on last_contract_type.relationship_id = hirings.notice_id
    inner join event_counts on event_counts.relationship_id = hirings.notice_id
)

select * from final
