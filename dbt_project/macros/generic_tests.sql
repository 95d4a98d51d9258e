{# Small generic tests that dbt_utils would give (the package hub is unreachable). #}

{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
      and (
        {% if min_value is not none %}{{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}{% else %}false{% endif %}
        or
        {% if max_value is not none %}{{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}{% else %}false{% endif %}
      )
{% endtest %}

{% test first_of_month(model, column_name) %}
    select * from {{ model }}
    where {{ column_name }} is not null and {{ column_name }} <> date_trunc('month', {{ column_name }})::date
{% endtest %}
