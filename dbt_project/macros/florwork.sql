{# The month the warehouse is built through (first day), from var through_month. #}
{% macro through_month() -%}
    {%- if var('through_month') -%} date '{{ var("through_month") }}'
    {%- else -%} date_trunc('month', current_date)::date
    {%- endif -%}
{%- endmacro %}

{# person_key of docs/method.md §6: HMAC-SHA256 of the upper-cased, trimmed CF, computed by the
   warehouse function that holds the key (the key never appears in dbt's files). #}
{% macro person_key(cf_column) -%}
    ops.person_key({{ cf_column }})
{%- endmacro %}

{# Latest version of each source row in a raw table: every version is kept in raw. #}
{% macro latest_version(relation, key, where=none) -%}
    select distinct on ({{ key }}) *
    from {{ relation }}
    {% if where %}where {{ where }}{% endif %}
    order by {{ key }}, aggiornato_il desc, _batch_id desc
{%- endmacro %}

{# An employer's tax code that is a company's (11 digits: its name is published); any
   other, a personal CF of 16 characters above all, is a person's (a family employing a
   domestic worker, a sole trader), whose name never leaves raw (docs/method.md §6). #}
{% macro is_company_tax_code(code) -%}
    coalesce(regexp_replace({{ code }}, '\s', '', 'g') ~ '^[0-9]{11}$', false)
{%- endmacro %}

{# SIS's categoria_target in English (staging people, and the theoretical costs the
   budget office writes with SIS's codes). #}
{% macro target_category(code) -%}
    case {{ code }}
        when 'SVANTAGGIATO_381' then 'DISADVANTAGED_L381'
        when 'DISABILE_45' then 'DISABLED_OVER_45'
        when 'NEET' then 'NEET'
        when 'CARE_LEAVER' then 'CARE_LEAVER'
        when 'NEOMAGGIORENNE_ACCOLTO' then 'YOUNG_ADULT_LEAVING_CARE'
        when 'DISOCCUPATO_LUNGA_DURATA_50' then 'LONG_TERM_UNEMPLOYED_50'
        else 'OTHER'
    end
{%- endmacro %}

{# A seed's column, or a default when the budget office's file has no such column
   (e.g. baseline_method, added to reinvestment_rules.csv later). #}
{% macro seed_column_or(relation, column, default) -%}
    {%- if execute -%}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- if column in names -%} {{ column }} {%- else -%} {{ default }} {%- endif -%}
    {%- else -%} {{ default }}
    {%- endif -%}
{%- endmacro %}

{# Stop the build with a message (inside a query: the warehouse function raises it). #}
{% macro fail_with(message_sql) -%}
    ops.fail({{ message_sql }})
{%- endmacro %}

{# Age band from a birth date at a reference date. #}
{% macro age_band(birth_date, at_date) -%}
    case
        when {{ birth_date }} is null or {{ at_date }} is null then null
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 25 then '18-24'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 35 then '25-34'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 45 then '35-44'
        when extract(year from age({{ at_date }}, {{ birth_date }})) < 55 then '45-54'
        else '55+'
    end
{%- endmacro %}

{# Half-up rounding to cents at publication (numeric round() rounds half away from
   zero, which is half-up for the non-negative amounts published). #}
{% macro eur(expr) -%}
    round(({{ expr }})::numeric, 2)
{%- endmacro %}

{# Incremental models by person (int_payments_paid, int_participant_months_computed,
   fct_journey_events).
   Each row carries the source watermark of the build that wrote it: the latest time any
   row reached the raw layer. An incremental build recomputes, whole, every person with
   a source row that arrived after the previous build's watermark (late data included:
   a cancelled payment of last year, a CO notice about an old job), after deleting that
   person's rows in a pre-hook; everyone else's rows stay. A full refresh and this path
   give the same table (tests/e2e/test_incremental.py). #}
{% macro source_watermark() -%}
    (select max(at) from (
        select max(_extracted_at) as at from {{ source('social_services', 'sis_assistiti') }}
        union all select max(_extracted_at) from {{ source('social_services', 'sis_segnalazioni') }}
        union all select max(_extracted_at) from {{ source('social_services', 'sis_erogazioni') }}
        union all select max(_extracted_at) from {{ source('partner', 'partner_profilazioni') }}
        union all select max(_extracted_at) from {{ source('partner', 'partner_percorsi') }}
        union all select max(_loaded_at) from {{ source('employment_centres', 'co_notices') }}
    ) as marks)
{%- endmacro %}

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

{# Pre-hook of a person-incremental model: the persons to recompute go to a temporary
   table (the model reads it) and their rows are deleted. `everyone` is a SQL condition
   under which every person is recomputed (e.g. the build's month moved on). #}
{% macro prepare_person_increment(with_journeys=false, everyone='false', with_partner=false) -%}
    {% if is_incremental() %}
    {#- A table from before the model was incremental has no bookkeeping: rebuild everyone. -#}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set bookkept = '_source_watermark' in columns -%}
    create temp table _persons_to_rebuild on commit drop as
        with since as (
            {% if bookkept %}select coalesce(max(_source_watermark), '-infinity'::timestamptz) as at from {{ this }}
            {% else %}select '-infinity'::timestamptz as at{% endif %}
        )
        {{ persons_changed_since('(select at from since)', with_journeys, with_partner) }}
        union
        select person_key from {{ this }} where {{ everyone if bookkept else 'false' }};
    delete from {{ this }} where person_key in (select person_key from _persons_to_rebuild);
    {% endif %}
{%- endmacro %}

{% macro only_persons_to_rebuild(column='person_key') -%}
    {% if is_incremental() %} and {{ column }} in (select person_key from _persons_to_rebuild) {% endif %}
{%- endmacro %}

{# The rules and the theoretical costs a build used: a change recomputes everyone. #}
{% macro rules_fingerprint() -%}
    select md5(
        (select string_agg(rules::text, '|' order by rules.valid_from) from {{ ref('reinvestment_rules') }} as rules)
        || '#' || coalesce((select string_agg(costs::text, '|' order by costs.rule_version, costs.target_category)
                            from {{ ref('theoretical_costs') }} as costs), ''))
{%- endmacro %}
