{# Stop the build with a message (inside a query: the warehouse function raises it). #}
{% macro fail_with(message_sql) -%}
    ops.fail({{ message_sql }})
{%- endmacro %}
