{# The reinvestment rule of docs/method.md §5 steps 9-10: one definition, used by budget_monthly
   and by the test that proves it continuous and non-decreasing in R. #}
{% macro tier(r, lower, upper) -%}
    case when {{ r }} is null then null
         when {{ r }} <= {{ lower }} then 'A'
         when {{ r }} <= {{ upper }} then 'B'
         else 'C' end
{%- endmacro %}
