{# An employer's tax code that is a company's (11 digits: its name is published); any
   other, a personal CF of 16 characters above all, is a person's (a family employing a
   domestic worker, a sole trader), whose name never leaves raw (docs/method.md §6). #}
{% macro is_company_tax_code(code) -%}
    coalesce(regexp_replace({{ code }}, '\s', '', 'g') ~ '^[0-9]{11}$', false)
{%- endmacro %}
