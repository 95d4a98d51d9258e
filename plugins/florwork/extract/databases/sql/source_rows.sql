-- The source rows changed in the batch's interval, with their checksum and the batch id,
-- as COPY's text output.
copy (
    select {columns}, {checksum}, {batch}
    from {source_table}
    where {interval}
) to stdout
