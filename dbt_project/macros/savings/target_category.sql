{# SIS's categoria_target in English (staging people, and the theoretical costs the
   budget office writes with SIS's codes). #}
{% macro target_category(code) -%}
    case {{ code }}
        when 'SVANTAGGIATO_381' then 'DISADVANTAGED_L381'
        when 'DISABILE_45' then 'DISABLED_OVER_45'
        when 'NEET' then 'NEET'
        when 'CARE_LEAVER' then 'CARE_LEAVER'
        when 'NEOMAGGIORENNE_ACCOLTO' then 'YOUNG_ADULT_LEAVING_CARE'
        when 'DISOCCUPATO_LUNGA_DURATA_50' then 'LONG_TERM_UNEMPLOYED_50'
        else 'OTHER'
    end
{%- endmacro %}
