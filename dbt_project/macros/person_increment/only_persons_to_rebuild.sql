{% macro only_persons_to_rebuild(column='person_key') -%}
    {% if is_incremental() %} and {{ column }} in (select person_key from _persons_to_rebuild) {% endif %}
{%- endmacro %}
