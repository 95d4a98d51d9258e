-- A source table's landing table: its contract's columns, the row checksum, the batch,
-- and the landing's own row id and CF flag.
create unlogged table if not exists {landing} (
    {columns},
    _row_checksum text not null,
    _batch_id bigint not null,
    {landing_columns}
)
