{# Small-cell suppression of a published breakdown, complementary (docs/method.md §6; the rule and
   its limits: docs/architecture.md, "Small cells").

   `relation` holds one row per cell: the breakdown's keys (`partition_by`: the columns
   that make one breakdown, e.g. programme and attribute; `order_by`: what tells its
   cells apart) and its counts of people (`count_columns`). For each count column of each
   breakdown:
   - primary: a count under `min_cell` is published as null;
   - complementary: when exactly one cell of the breakdown is primary, the smallest other
     cell (ties: the first by `order_by`) is suppressed too, since the breakdown's total
     is published elsewhere (the programme funnel, any other breakdown of the same
     people), and one null cell would be that total less the published cells.
   A breakdown with a single cell is not published: it would say that everyone shares
   that value, and each of its counts is the programme's total, published elsewhere.
   Returns the relation's rows with the suppressed counts null and `suppressed` true on
   every row with a null count. The var `complementary_suppression` (default true) exists
   to show that the attack test (tests/e2e/test_privacy_attack.py) fails without the
   complementary cells; never turn it off for a build that BI users read. #}
{% macro suppress_small_cells(relation, partition_by, order_by, count_columns, min_cell=5) -%}
    {%- set partition = partition_by | join(', ') -%}
    {%- set complementary = 'true' if var('complementary_suppression', true) else 'false' -%}
    select
        {{ (partition_by + order_by) | join(', ') }},
        {% for column in count_columns -%}
        case when _primary_{{ column }} or ({{ complementary }} and _primaries_{{ column }} = 1 and _rank_{{ column }} = 1)
             then null else {{ column }} end::integer as {{ column }},
        {% endfor -%}
        (
            {%- for column in count_columns -%}
            _primary_{{ column }} or ({{ complementary }} and _primaries_{{ column }} = 1 and _rank_{{ column }} = 1)
            {%- if not loop.last %} or {% endif -%}
            {%- endfor -%}
        ) as suppressed
    from (
        select
            cells.*,
            {% for column in count_columns -%}
            {{ column }} < {{ min_cell }} as _primary_{{ column }},
            count(*) filter (where {{ column }} < {{ min_cell }}) over (partition by {{ partition }}) as _primaries_{{ column }},
            row_number() over (
                partition by {{ partition }}
                order by ({{ column }} < {{ min_cell }}), {{ column }}, {{ order_by | join(', ') }}
            ) as _rank_{{ column }}{% if not loop.last %},{% endif %}
            {% endfor %}
            , count(*) over (partition by {{ partition }}) as _cells
        from {{ relation }} as cells
    ) as ranked
    where _cells > 1
{%- endmacro %}
