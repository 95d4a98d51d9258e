{# Which rows of int_journeys_assembled a build recomputes besides the changed persons':
   every row when the rules or the theoretical costs changed or the build goes back in
   time; else a row whose baseline the build's month changes (another rule in force, or
   an intake whose first month had not been built yet). A condition on the model's rows. #}
{% macro journeys_everyone() -%}
    (select max(_through_month) from {{ this }}) > {{ through_month() }}
    or (select max(_rules_fingerprint) from {{ this }}) is distinct from ({{ rules_fingerprint() }})
    or _rule_version is distinct from (
        select rule_version from {{ ref('int_rules_in_force') }} where month = {{ through_month() }}
    )
    or (intake_date is not null and baseline_monthly_eur is null)
{%- endmacro %}
