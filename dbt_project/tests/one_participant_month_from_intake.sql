-- One row per participant and month from the intake month to the build's month:
-- no gaps, no duplicates.
with counts as (
    select programme, person_key, count(*) as months, min(month) as first_month, max(month) as last_month
    from {{ ref('fct_participant_months') }}
    group by programme, person_key
)
select counts.*, participants.intake_month
from counts
inner join {{ ref('int_participants_identified') }} as participants using (programme, person_key)
where counts.first_month <> participants.intake_month
    or counts.last_month <> {{ through_month() }}
    or counts.months <> (
        (extract(year from age(counts.last_month, counts.first_month)) * 12
         + extract(month from age(counts.last_month, counts.first_month)))::integer + 1
    )
