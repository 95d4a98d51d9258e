{% macro education_level(code) -%}
    case {{ code }}
        when 'NESSUNO' then 'NONE'
        when 'LICENZA_ELEMENTARE' then 'PRIMARY'
        when 'LICENZA_MEDIA' then 'LOWER_SECONDARY'
        when 'QUALIFICA' then 'VOCATIONAL'
        when 'DIPLOMA' then 'UPPER_SECONDARY'
        when 'LAUREA' then 'DEGREE'
    end
{%- endmacro %}
