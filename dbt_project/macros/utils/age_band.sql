{% macro age_band(birth_date, at_date, bounds=[25, 35, 45, 55]) -%}
    {%- set years = "extract(year from age(" ~ at_date ~ ", " ~ birth_date ~ "))" -%}
    case
        when {{ birth_date }} is null or {{ at_date }} is null then null
        {%- for upper in bounds %}
        when {{ years }} < {{ upper }} then '{{ 18 if loop.first else loop.previtem }}-{{ upper - 1 }}'
        {%- endfor %}
        else '{{ bounds[-1] }}+'
    end
{%- endmacro %}
