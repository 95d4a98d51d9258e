{# The month the warehouse is built through (first day), from var through_month. #}
{% macro through_month() -%}
    {%- if var('through_month') -%} date '{{ var("through_month") }}'
    {%- else -%} date_trunc('month', current_date)::date
    {%- endif -%}
{%- endmacro %}

{# person_key of SPEC §6: HMAC-SHA256 of the upper-cased, trimmed CF, computed by the
   warehouse function that holds the key (the key never appears in dbt's files). #}
{% macro person_key(cf_column) -%}
    ops.person_key({{ cf_column }})
{%- endmacro %}

{# Latest version of each source row in a raw table: every version is kept in raw. #}
{% macro latest_version(relation, key) -%}
    select distinct on ({{ key }}) *
    from {{ relation }}
    order by {{ key }}, aggiornato_il desc, _batch_id desc
{%- endmacro %}

{# Age band from a birth date at a reference date. #}
{% macro age_band(birth_date, at_date) -%}
    case
        when {{ birth_date }} is null or {{ at_date }} is null then null
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 25 then '18-24'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 35 then '25-34'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 45 then '35-44'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 55 then '45-54'
        else '55+'
    end
{%- endmacro %}

{# Half-up rounding to cents at publication (numeric round() rounds half away from
   zero, which is half-up for the non-negative amounts published). #}
{% macro eur(expr) -%}
    round(({{ expr }})::numeric, 2)
{%- endmacro %}

{# Small-cell suppression (SPEC §6): a count of fewer than 5 people is published as
   null; the row's `suppressed` flag says so. #}
{% macro suppressed_count(expr, min_cell=5) -%}
    case when {{ expr }} < {{ min_cell }} then null else {{ expr }} end
{%- endmacro %}
