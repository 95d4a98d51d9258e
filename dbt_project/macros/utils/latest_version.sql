{# Latest version of each source row in a raw table (raw keeps every version), newest
   by aggiornato_il then batch. With `ids` (a query with one column, id) only those rows,
   each id's versions read through the raw table's version index: a join would let the
   planner scan every version instead, as it prices each cached index probe as a disk
   read (at region scale, the month's 181 k payments among 8.7 M versions: the scan
   took 3.3 s, the probes under 1 s; bench/results/history.md). #}
{% macro latest_version(relation, key, where=none, ids=none) -%}
    {%- set newest_first = 'aggiornato_il desc, _batch_id desc' -%}
    {% if ids -%}
    select latest.*
    from ({{ ids }}) as ids
    cross join lateral (
        select * from {{ relation }} as versions
        where versions.{{ key }} = ids.id
        order by {{ newest_first }}
        limit 1
    ) as latest
    {%- else -%}
    select distinct on ({{ key }}) *
    from {{ relation }}
    {% if where %}where {{ where }}{% endif %}
    order by {{ key }}, {{ newest_first }}
    {%- endif %}
{%- endmacro %}
