{% macro reinvest_innovation(r, e, upper, share) -%}
    coalesce({{ share }} * greatest(0, {{ r }} - {{ upper }}) * {{ e }}, 0)
{%- endmacro %}
