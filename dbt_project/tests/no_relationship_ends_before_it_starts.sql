-- A resolved employment relationship never ends before it starts.
{{ config(severity='warn') }}
select * from {{ ref('int_employment_relationships_resolved') }}
where end_date < start_date
