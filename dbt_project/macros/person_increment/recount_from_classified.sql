{# Pre-hook of int_participant_months_capped, in an incremental build: the participants
   (programme, person_key) with a month that `classified` wrote since this table's last
   build go to the temporary table _persons_to_rebuild, each with the first such month
   (from_month; classified rewrites a participant's every month from the first one a
   change affects, and adds the new month for everyone); the rows whose month
   `classified` no longer holds (no longer a participant, an intake moved later, months
   after a build that went back) are deleted, then the rebuilt participants' rows from
   from_month. `_built_at` is each build's transaction time: classified's rows of a build
   are later than this table's rows of the build before. #}
{% macro recount_from_classified(classified) -%}
    {% if is_incremental() %}
    create temp table _persons_to_rebuild on commit drop as
        select programme, person_key, min(month) as from_month
        from {{ classified }}
        where _built_at > (select coalesce(max(_built_at), '-infinity'::timestamptz) from {{ this }})
        group by programme, person_key;
    analyze _persons_to_rebuild;
    delete from {{ this }} as held
    where not exists (
        select from {{ classified }} as classified
        where classified.programme = held.programme
            and classified.person_key = held.person_key
            and classified.month = held.month
    );
    delete from {{ this }} as held using _persons_to_rebuild as rebuilt
    where held.programme = rebuilt.programme and held.person_key = rebuilt.person_key and held.month >= rebuilt.from_month;
    {% endif %}
{%- endmacro %}
