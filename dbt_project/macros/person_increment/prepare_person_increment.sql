{# Pre-hook of a person-incremental model: the persons to recompute go to a temporary
   table (the model reads it) and their rows are deleted. `everyone` is a SQL condition
   under which every person is recomputed (e.g. the rules changed). With `by_month`, the
   model also adds the months after the last one it holds for everyone else: the month
   it held last goes to _previous_through (read before the deletion). #}
{% macro prepare_person_increment(with_journeys=false, everyone='false', with_partner=false, by_month=false) -%}
    {% if is_incremental() %}
    {#- A table from before the model was incremental has no bookkeeping: rebuild everyone. -#}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set bookkept = '_source_watermark' in columns -%}
    {% if by_month %}
    create temp table _previous_through on commit drop as select max(month) as month from {{ this }};
    {% endif %}
    create temp table _persons_to_rebuild on commit drop as
        with since as (
            {% if bookkept %}select coalesce(max(_source_watermark), '-infinity'::timestamptz) as at from {{ this }}
            {% else %}select '-infinity'::timestamptz as at{% endif %}
        )
        {#- fault injection for tests/e2e/test_incremental.py: forget the changed persons -#}
        {% if var('fault_ignore_changed_persons', false) %}select null::text as person_key where false
        {% else %}{{ persons_changed_since('(select at from since)', with_journeys, with_partner) }}{% endif %}
        union
        select person_key from {{ this }} where {{ everyone if bookkept else 'true' }};
    analyze _persons_to_rebuild;
    delete from {{ this }} where person_key in (select person_key from _persons_to_rebuild);
    {% endif %}
{%- endmacro %}
