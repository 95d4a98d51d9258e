-- One row: the source watermark of this build, the latest time any row reached the raw
-- layer (macros/person_increment/source_watermark.sql). A table computed once at the
-- start of a build: the person-incremental models stamp their rows with it instead of
-- each scanning every raw table (the payments' max alone is a scan of millions of rows).
-- Rows that arrive while the build runs carry a later time and are taken up next build.
{{ config(materialized='table') }}
select {{ source_watermark_now() }} as watermark
