{# The source watermark a person-incremental model's rows carry: the build's, computed
   once (models/staging/stg_sources__watermark.sql). #}
{% macro source_watermark() -%}
    (select watermark from {{ ref('stg_sources__watermark') }})
{%- endmacro %}

{# The latest time any row reached the raw layer, over every source table of the project
   that declares a loaded_at_field (models/staging/*/_*__sources.yml): a new source is
   included by being declared. #}
{% macro source_watermark_now() -%}
    {%- set marks = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values()
                if node.package_name == project_name and node.loaded_at_field -%}
            {%- do marks.append('select max(' ~ adapter.quote(node.loaded_at_field) ~ ') as at from '
                                ~ node.relation_name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if marks -%}
        (select max(at) from ({{ marks | sort | join(' union all ') }}) as marks)
    {%- else -%}
        null::timestamptz
    {%- endif -%}
{%- endmacro %}
