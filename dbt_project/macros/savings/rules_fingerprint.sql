{# The rules and the theoretical costs a build used: a change recomputes everyone. #}
{% macro rules_fingerprint() -%}
    select md5(
        (select string_agg(rules::text, '|' order by rules.valid_from) from {{ ref('reinvestment_rules') }} as rules)
        || '#' || coalesce((select string_agg(costs::text, '|' order by costs.rule_version, costs.target_category)
                            from {{ ref('theoretical_costs') }} as costs), ''))
{%- endmacro %}
