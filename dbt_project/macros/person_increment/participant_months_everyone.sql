{# When every participant's months are recomputed: the rules or the theoretical costs
   changed, or the build goes back to an earlier month than the table holds. #}
{% macro participant_months_everyone() -%}
    (select max(month) from {{ this }}) > {{ through_month() }}
    or (select max(_rules_fingerprint) from {{ this }}) is distinct from ({{ rules_fingerprint() }})
{%- endmacro %}
