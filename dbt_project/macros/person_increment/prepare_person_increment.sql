{# Pre-hook of a person-incremental model: the persons to recompute go to a temporary
   table _persons_to_rebuild (person_key, from_month: the first month a change of theirs
   affects; the model reads it) and their rows are deleted: all of them, or with
   `by_month` only those of from_month on (the model has a month column). `everyone` is a
   SQL condition under which every person is recomputed whole (e.g. the rules changed).
   With `adds_months` the model also adds the months after the last one it holds for
   everyone else: that month goes to _previous_through (read before the deletion). #}
{% macro prepare_person_increment(
    with_journeys=false, everyone='false', with_partner=false, by_month=false, adds_months=false, with_payments=true,
    with_ipl=false
) -%}
    {% if is_incremental() %}
    {#- A table from before the model was incremental has no bookkeeping: rebuild everyone. -#}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set bookkept = '_source_watermark' in columns -%}
    {% if adds_months %}
    create temp table _previous_through on commit drop as select max(month) as month from {{ this }};
    analyze _previous_through;
    {% endif %}
    create temp table _persons_to_rebuild on commit drop as
        with since as (
            {% if bookkept %}select coalesce(max(_source_watermark), '-infinity'::timestamptz) as at from {{ this }}
            {% else %}select '-infinity'::timestamptz as at{% endif %}
        ),
        changed as (
            {#- fault injection for tests/e2e/test_incremental.py: forget the changed persons -#}
            {% if var('fault_ignore_changed_persons', false) %}select null::text as person_key, null::date as from_month
            where false
            {% else %}{{ persons_changed_since('(select at from since)', with_journeys, with_partner, with_payments, with_ipl) }}
            {% endif %}
            union all
            select distinct person_key, '-infinity'::date from {{ this }} where {{ everyone if bookkept else 'true' }}
        )
        select person_key, min(from_month) as from_month from changed group by person_key;
    analyze _persons_to_rebuild;
    {% if by_month %}
    delete from {{ this }} as t using _persons_to_rebuild as r
    where t.person_key = r.person_key and t.month >= r.from_month;
    {% else %}
    delete from {{ this }} where person_key in (select person_key from _persons_to_rebuild);
    {% endif %}
    {% endif %}
{%- endmacro %}
