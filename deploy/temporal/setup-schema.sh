#!/bin/sh
# One-shot job of docker-compose.yml (temporalio/admin-tools image): creates Temporal's two PostgreSQL databases
# and certflow's inventory database, and brings Temporal's schemas to the version the server image expects. Safe to run again on every `up`.
set -eu

tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"
until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do sleep 1; done

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) schema=/etc/temporal/schema/postgresql/v12/temporal/versioned ;;
    *) schema=/etc/temporal/schema/postgresql/v12/visibility/versioned ;;
  esac
  # create and setup-schema fail when the database and its version table already exist; update-schema must not.
  tool --db "$db" create || echo "database $db exists"
  tool --db "$db" setup-schema -v 0.0 || echo "schema of $db already initialised"
  tool --db "$db" update-schema -d "$schema"
done
# certflow's inventory shares the server; certflow migrates its own schema when a worker starts.
tool --db certflow create || echo "database certflow exists"
echo "Temporal schemas are up to date"
