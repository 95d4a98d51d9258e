{# Pre-hook of a person-incremental model: the persons to recompute go to a temporary
   table (the model reads it) and their rows are deleted. `everyone` is a SQL condition
   under which every person is recomputed (e.g. the build's month moved on). #}
{% macro prepare_person_increment(with_journeys=false, everyone='false', with_partner=false) -%}
    {% if is_incremental() %}
    {#- A table from before the model was incremental has no bookkeeping: rebuild everyone. -#}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set bookkept = '_source_watermark' in columns -%}
    create temp table _persons_to_rebuild on commit drop as
        with since as (
            {% if bookkept %}select coalesce(max(_source_watermark), '-infinity'::timestamptz) as at from {{ this }}
            {% else %}select '-infinity'::timestamptz as at{% endif %}
        )
        {{ persons_changed_since('(select at from since)', with_journeys, with_partner) }}
        union
        select person_key from {{ this }} where {{ everyone if bookkept else 'false' }};
    delete from {{ this }} where person_key in (select person_key from _persons_to_rebuild);
    {% endif %}
{%- endmacro %}
