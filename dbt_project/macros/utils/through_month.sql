{# The month the warehouse is built through (first day), from var through_month. #}
{% macro through_month() -%}
    {%- if var('through_month') -%} date '{{ var("through_month") }}'
    {%- else -%} date_trunc('month', current_date)::date
    {%- endif -%}
{%- endmacro %}
