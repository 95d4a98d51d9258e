{# The month the warehouse is built through (first day): the var through_month when
   given, else the environment variable FLORWORK_THROUGH_MONTH (how the platform passes
   it: dbt parses the whole project again whenever --vars differ from the last
   invocation's, but only the files reading a changed environment variable), else the
   current month. #}
{% macro through_month() -%}
    {%- set month = var('through_month') or env_var('FLORWORK_THROUGH_MONTH', '') -%}
    {%- if month -%} date '{{ month }}'
    {%- else -%} date_trunc('month', current_date)::date
    {%- endif -%}
{%- endmacro %}
