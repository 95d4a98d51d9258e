{# Half-up rounding to cents at publication (numeric round() rounds half away from
   zero, which is half-up for the non-negative amounts published). #}
{% macro eur(expr) -%}
    round(({{ expr }})::numeric, 2)
{%- endmacro %}
