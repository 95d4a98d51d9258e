-- A resolved employment relationship never ends before it starts.
{{ config(severity='warn', meta={'warn_because': 'CO notices with inconsistent dates come from the employers; the relationship counts no employment day.'}) }}
select * from {{ ref('int_employment_relationships_resolved') }}
where end_date < start_date
