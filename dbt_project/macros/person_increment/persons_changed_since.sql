{# The persons whose source rows reached staging after `since`, each with the first month
   a change of theirs can affect: a payment affects the competence months of its versions
   (the earliest; a month before the intake is a baseline month, so every month); a
   change to the person, a referral, a CO notice, the partner's or Bologna's rows affects
   every month ('-infinity'). With with_journeys='referrals' the referrals count and the
   CO notices do not (a model that needs to know who is a participant, not their work).
   With with_payments='before_intake' only the payments of a month before the person's
   intake count (a model that reads payments only through the baseline). A person or an application whose CF was corrected brings every key its
   versions had (the raw layer keeps them): the rows held under the old key are deleted.
   Set-based (joins, not correlated subqueries): the staging views are computed once. #}
{% macro persons_changed_since(
    since, with_journeys=false, with_partner=false, with_payments=true, with_ipl=false
) -%}
    select {{ person_key('versions.codice_fiscale') }} as person_key, '-infinity'::date as from_month
    from {{ source('social_services', 'sis_assistiti') }} as versions
    inner join {{ ref('stg_social_services__people') }} as people on people.person_id = versions.id_assistito
    where people.extracted_at > {{ since }}
    {% if with_payments %}
    union all
    -- every version of a changed payment: a correction that moves it to another month or
    -- person changes the month and the person it left as well. Each payment's versions
    -- are read through raw's version index: `offset 0` keeps the lookup per payment (as a
    -- join, the planner scans all of raw: 3.5 s against 0.6 s for a region's month,
    -- bench/results/history.md)
    select people.person_key, versions.mese_competenza as from_month
    from {{ ref('stg_social_services__payments') }} as payments
    cross join lateral (
        select version.mese_competenza, version.id_assistito
        from {{ source('social_services', 'sis_erogazioni') }} as version
        where version.id_erogazione = payments.payment_id
        offset 0
    ) as versions
    inner join {{ ref('stg_social_services__people') }} as people on people.person_id = versions.id_assistito
    {% if with_payments == 'before_intake' %}
    inner join {{ ref('int_participants_identified') }} as participants
        on participants.person_key = people.person_key
        and versions.mese_competenza < participants.intake_month
    {% endif %}
    where payments.extracted_at > {{ since }}
    {% endif %}
    {% if with_journeys %}
    union all
    select people.person_key, '-infinity'::date
    from {{ ref('stg_social_services__referrals') }} as referrals
    inner join {{ ref('stg_social_services__people') }} as people on people.person_id = referrals.person_id
    where referrals.extracted_at > {{ since }}
    {% endif %}
    {% if with_journeys == true %}
    union all
    select person_key, '-infinity'::date from {{ ref('stg_employment_centres__notices') }} where loaded_at > {{ since }}
    {% endif %}
    {% if with_partner %}
    union all
    select person_key, '-infinity'::date from {{ ref('stg_partner__assessments') }} where extracted_at > {{ since }}
    union all
    select person_key, '-infinity'::date from {{ ref('stg_partner__pathways') }} where extracted_at > {{ since }}
    {% endif %}
    {% if with_ipl %}
    union all
    select {{ person_key('versions.codice_fiscale') }}, '-infinity'::date
    from {{ source('ipl', 'ipl_candidature') }} as versions
    inner join {{ ref('stg_ipl__applications') }} as applications
        on applications.application_id = versions.id_candidatura
    where applications.extracted_at > {{ since }}
    union all
    select applications.person_key, '-infinity'::date
    from (
        select application_id from {{ ref('stg_ipl__interviews') }} where extracted_at > {{ since }}
        union all
        select application_id from {{ ref('stg_ipl__paths') }} where extracted_at > {{ since }}
        union all
        select proposer_application_id from {{ ref('stg_ipl__projects') }} where extracted_at > {{ since }}
    ) as changed
    inner join {{ ref('stg_ipl__applications') }} as applications on applications.application_id = changed.application_id
    {% endif %}
{%- endmacro %}
