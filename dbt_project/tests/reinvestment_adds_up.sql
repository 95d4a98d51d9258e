-- S = efficiency + innovation + not reinvested, exactly, on the published figures.
select * from {{ ref('budget_monthly') }}
where realised_savings_ytd_eur <> reinvest_efficiency_eur + reinvest_innovation_eur + not_reinvested_eur
