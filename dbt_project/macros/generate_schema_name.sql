{# Models go to the schema named in their folder's config (staging, intermediate,
   marts, reference), not to "<target schema>_<name>": BI tools and the roles of
   docs/method.md §6 depend on these exact names. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
