-- Every event of every journey, from any source, for timelines and Sankey charts in
-- BI: the events of int_journey_events_unioned (the incremental table that holds them)
-- up to the build's last day. The grain is one row per event (event_id is unique).
{{ config(materialized='view') }}
with

events as (
    select * from {{ ref('int_journey_events_unioned') }}
),

final as (
    select
        event_id,
        person_key,
        programme,
        event_date,
        event_type,
        source,
        detail,
        event_sequence,
        _source_watermark,
        {{ through_month() }} as _through_month
    from events
    where event_date <= ({{ through_month() }} + interval '1 month' - interval '1 day')::date
)

select * from final
