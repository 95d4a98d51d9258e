{# Scoped data tests. dbt wraps the model a generic test reads in get_where_subquery
   (where the `where` config applies); this override adds one more condition for the
   tests whose config has meta.tested_since_column: only rows of that column later than
   the start of the last successful warehouse build that ran dbt (ops.warehouse_builds) are tested;
   for _built_at (the incremental models' write time), the rows this build wrote.
   Rows older than that passed the same tests then and have not changed: a staging
   view's row is the latest version of a source row, and a new version has a new
   extraction time. A full refresh, or no successful build yet, tests every row
   (the saving is measured in bench/results/history.md). #}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set since_column = (config.get('meta') or {}).get('tested_since_column') -%}
    {%- if since_column == '_built_at' and not flags.FULL_REFRESH -%}
        {#- a build time: the rows this build wrote (the run's start by dbt's clock, the rows'
            by the warehouse's: one host's clock, or NTP-synchronised ones) -#}
        {%- do conditions.append(adapter.quote(since_column) ~ " >= '" ~ run_started_at.isoformat() ~ "'::timestamptz") -%}
    {%- elif since_column and not flags.FULL_REFRESH -%}
        {%- do conditions.append(adapter.quote(since_column) ~ " > (select coalesce(max(started_at), '-infinity'::timestamptz) from ops.warehouse_builds where outcome = 'built')") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
