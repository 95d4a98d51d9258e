{# The latest version of each id that `ids` (a query with one column, id) returns: each
   id's versions read through the raw table's version index, newest first. For a few
   ids among many rows; latest_version reads the whole table. A join would let the
   planner scan every version instead: it prices each cached index probe as a disk
   read (at region scale, the month's 181 k payments among 8.7 M versions: the scan
   took 3.3 s, the probes under 1 s; bench/results/history.md). #}
{% macro latest_version_of(relation, key, ids) -%}
    select latest.*
    from ({{ ids }}) as ids
    cross join lateral (
        select * from {{ relation }} as versions
        where versions.{{ key }} = ids.id
        order by versions.aggiornato_il desc, versions._batch_id desc
        limit 1
    ) as latest
{%- endmacro %}
