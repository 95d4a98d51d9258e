#!/usr/bin/env bash
# airflow-init (docker-compose.yml): everything the other services need before they
# start, idempotent (run again at every `docker compose up`):
#   1. the shared folders (state, reports, logs, the CO landing folder), owned by the
#      Airflow user, since named volumes start root-owned;
#   2. Airflow's metadata database, migrated;
#   3. the admin login of Airflow's simple auth manager, its password from .env;
#   4. the warehouse (schemas, roles) and the sources' pools (`florwork up`).
# tests/unit/test_docker_compose.py runs it against the embedded PostgreSQL.
set -euo pipefail

: "${FLORWORK_STATE_DIR:?}" "${FLORWORK_REPORTS_DIR:?}" "${AIRFLOW_VAR_CO_LANDING_DIR:?}"
: "${AIRFLOW__LOGGING__BASE_LOG_FOLDER:?}" "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?}"
: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env}"

folders=("$FLORWORK_STATE_DIR" "$FLORWORK_REPORTS_DIR" "$AIRFLOW_VAR_CO_LANDING_DIR/co"
         "$AIRFLOW__LOGGING__BASE_LOG_FOLDER" "$(dirname "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")")
mkdir -p "${folders[@]}"

echo "Migrating Airflow's metadata database..."
airflow db migrate

# The simple auth manager reads {"user": "password"}; the users and roles are
# AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS (admin:admin).
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as handle:
    json.dump({"admin": os.environ["AIRFLOW_ADMIN_PASSWORD"]}, handle)
PY

echo "Bootstrapping the warehouse and creating the sources' pools..."
florwork up

if [ "$(id -u)" = 0 ]; then
    chown -R "${AIRFLOW_UID:-50000}:0" "${folders[@]}" "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
fi
echo "Ready: log in at the api-server as admin with AIRFLOW_ADMIN_PASSWORD."
