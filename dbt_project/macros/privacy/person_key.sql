{# person_key of docs/method.md §6: HMAC-SHA256 of the upper-cased, trimmed CF, computed by the
   warehouse function that holds the key (the key never appears in dbt's files). #}
{% macro person_key(cf_column) -%}
    ops.person_key({{ cf_column }})
{%- endmacro %}
