{# Pre-hook of an incremental staging table: the ids of `relation` (a raw table) with a
   version extracted after the latest `extracted_column` the table holds go to the
   temporary table _changed_source_ids (id), analysed, so that the model reads their
   versions by index instead of planning for a third of raw. #}
{% macro changed_source_ids(relation, key, extracted_column) -%}
    {% if is_incremental() %}
    create temp table _changed_source_ids on commit drop as
        select distinct {{ key }} as id from {{ relation }}
        where _extracted_at > (select coalesce(max({{ extracted_column }}), '-infinity'::timestamptz) from {{ this }});
    analyze _changed_source_ids;
    {% endif %}
{%- endmacro %}
