{# The rows of a person-incremental model held for a person who has no intake in any
   programme now (int_payments_paid's `everyone`: they are recomputed, which deletes them). #}
{% macro not_a_participant() -%}
    not exists (
        select from {{ ref('int_participants_identified') }} as participants
        where participants.person_key = {{ this }}.person_key
    )
{%- endmacro %}
