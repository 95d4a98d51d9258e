{# A seed's column, or a default when the budget office's file has no such column
   (e.g. baseline_method, added to reinvestment_rules.csv later). #}
{% macro seed_column_or(relation, column, default) -%}
    {%- if execute -%}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- if column in names -%} {{ column }} {%- else -%} {{ default }} {%- endif -%}
    {%- else -%} {{ default }}
    {%- endif -%}
{%- endmacro %}
