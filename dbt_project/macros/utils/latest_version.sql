{# Latest version of each source row in a raw table: every version is kept in raw. #}
{% macro latest_version(relation, key, where=none) -%}
    select distinct on ({{ key }}) *
    from {{ relation }}
    {% if where %}where {{ where }}{% endif %}
    order by {{ key }}, aggiornato_il desc, _batch_id desc
{%- endmacro %}
