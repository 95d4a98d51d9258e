-- A first load's landing table, shaped like the raw table's partition for the batch
-- (the check constraint lets the attach skip its scan), plus the landing's columns.
create table {landing} (
    like raw.{raw} including defaults,
    {landing_columns},
    constraint {check} check (_segment = {batch})
)
