-- Every rule's thresholds are ordered: 0 <= lower < upper.
select * from {{ ref('reinvestment_rules') }}
where not (lower_threshold >= 0 and lower_threshold < upper_threshold)
