{# The persons whose source rows reached staging after `since`, each with the first month
   a change of theirs can affect: a payment affects its competence month (a month before
   the intake is a baseline month, so every month); a change to the person, a referral, a
   CO notice or the partner's rows affects every month ('-infinity'). Set-based (joins,
   not correlated subqueries): the staging views are computed once. #}
{% macro persons_changed_since(since, with_journeys=false, with_partner=false, with_payments=true) -%}
    select people.person_key, '-infinity'::date as from_month
    from {{ ref('stg_social_services__people') }} as people
    where people.extracted_at > {{ since }}
    {% if with_payments %}
    union all
    select people.person_key, payments.competence_month as from_month
    from {{ ref('stg_social_services__payments') }} as payments
    inner join {{ ref('stg_social_services__people') }} as people on people.person_id = payments.person_id
    where payments.extracted_at > {{ since }}
    {% endif %}
    {% if with_journeys %}
    union all
    select people.person_key, '-infinity'::date
    from {{ ref('stg_social_services__referrals') }} as referrals
    inner join {{ ref('stg_social_services__people') }} as people on people.person_id = referrals.person_id
    where referrals.extracted_at > {{ since }}
    union all
    select person_key, '-infinity'::date from {{ ref('stg_employment_centres__notices') }} where loaded_at > {{ since }}
    {% endif %}
    {% if with_partner %}
    union all
    select person_key, '-infinity'::date from {{ ref('stg_partner__assessments') }} where extracted_at > {{ since }}
    union all
    select person_key, '-infinity'::date from {{ ref('stg_partner__pathways') }} where extracted_at > {{ since }}
    {% endif %}
{%- endmacro %}
