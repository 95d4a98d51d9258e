#!/usr/bin/env bash
# First start of the compose PostgreSQL: the Airflow metadata database, the warehouse,
# and (for a demo without real sources) the source systems as their contracts say.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
create role airflow login password '${AIRFLOW_DB_PASSWORD}';
create database airflow owner airflow;
create role florwork login password '${WAREHOUSE_PASSWORD}';
create database warehouse owner florwork;
create database sis owner florwork;
create database partner owner florwork;
create database ipl owner florwork;
SQL
psql -v ON_ERROR_STOP=1 --username florwork -d sis -f /contracts/sis.sql
psql -v ON_ERROR_STOP=1 --username florwork -d partner -f /contracts/partner.sql
psql -v ON_ERROR_STOP=1 --username florwork -d ipl -f /contracts/ipl.sql
