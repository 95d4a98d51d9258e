-- Every person in the marts exists in staging (no orphan person_key).
select person_key from {{ ref('fct_journeys') }}
except
select person_key from {{ ref('stg_social_services__people') }}
