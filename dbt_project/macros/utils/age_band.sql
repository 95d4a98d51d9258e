{# Age band from a birth date at a reference date. #}
{% macro age_band(birth_date, at_date) -%}
    case
        when {{ birth_date }} is null or {{ at_date }} is null then null
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 25 then '18-24'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 35 then '25-34'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 45 then '35-44'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 55 then '45-54'
        else '55+'
    end
{%- endmacro %}
