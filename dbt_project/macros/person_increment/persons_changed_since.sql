{% macro persons_changed_since(since, with_journeys=false, with_partner=false) -%}
    {#- set-based (joins, not correlated subqueries): the staging views are computed once -#}
    select people.person_key
    from {{ ref('stg_social_services__people') }} as people
    where people.extracted_at > {{ since }}
    union
    select people.person_key
    from {{ ref('stg_social_services__payments') }} as payments
    inner join {{ ref('stg_social_services__people') }} as people on people.person_id = payments.person_id
    where payments.extracted_at > {{ since }}
    {% if with_journeys %}
    union
    select people.person_key
    from {{ ref('stg_social_services__referrals') }} as referrals
    inner join {{ ref('stg_social_services__people') }} as people on people.person_id = referrals.person_id
    where referrals.extracted_at > {{ since }}
    union
    select person_key from {{ ref('stg_employment_centres__notices') }} where loaded_at > {{ since }}
    {% endif %}
    {% if with_partner %}
    union
    select person_key from {{ ref('stg_partner__assessments') }} where extracted_at > {{ since }}
    union
    select person_key from {{ ref('stg_partner__pathways') }} where extracted_at > {{ since }}
    {% endif %}
{%- endmacro %}
