{# The month the warehouse is built through (first day): the var through_month when
   given, else the environment variable FLORWORK_THROUGH_MONTH (how the platform passes
   it: dbt parses the whole project again whenever --vars differ from the last
   invocation's), else the current month. The variable is read when the SQL runs, not
   while dbt parses: a file that reads one while parsed is parsed again when it
   changes, and dbt 1.11 then drops a singular test's description from the manifest
   (the build's error message; tests/e2e/test_rules.py). #}
{% macro through_month() -%}
    {%- set month = var('through_month') or (env_var('FLORWORK_THROUGH_MONTH', '') if execute else '') -%}
    {%- if month -%} date '{{ month }}'
    {%- else -%} date_trunc('month', current_date)::date
    {%- endif -%}
{%- endmacro %}
