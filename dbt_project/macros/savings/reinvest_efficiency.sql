{% macro reinvest_efficiency(r, e, lower, upper, share) -%}
    coalesce({{ share }} * greatest(0, least({{ r }}, {{ upper }}) - {{ lower }}) * {{ e }}, 0)
{%- endmacro %}
