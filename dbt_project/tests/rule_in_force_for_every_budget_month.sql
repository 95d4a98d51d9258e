-- A budget month with no reinvestment rule in force stops the build: add a row to
-- seeds/reinvestment_rules.csv with valid_from on or before that month.
select targets.programme, targets.month
from {{ ref('budget_targets') }} as targets
where targets.month <= {{ through_month() }}
    and not exists (
        select from {{ ref('reinvestment_rules') }} as rules where rules.valid_from <= targets.month
    )
