{# Pre-hook of an incremental staging table keyed on a source id: the ids of `relation`
   (a raw table) with a version extracted after the latest `extracted_column` the table
   holds go to the temporary table _changed_source_ids (id), analysed, and their rows
   are deleted (the model inserts each one's latest version again, in the same
   transaction). With the statistics the planner reads the changed ids' versions and
   rows by index instead of planning for a third of raw; dbt's own delete+insert reads
   an unanalysed copy of the new rows and at region scale scanned the whole table for
   them (3 to 8 s against 0.8 s; bench/results/history.md). #}
{% macro changed_source_ids(relation, key, extracted_column, unique_key) -%}
    {% if is_incremental() %}
    create temp table _changed_source_ids on commit drop as
        select distinct {{ key }} as id from {{ relation }}
        where _extracted_at > (select coalesce(max({{ extracted_column }}), '-infinity'::timestamptz) from {{ this }});
    analyze _changed_source_ids;
    delete from {{ this }} where {{ unique_key }} in (select id from _changed_source_ids);
    {% endif %}
{%- endmacro %}
