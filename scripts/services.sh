# Sourced by scripts/test: starts the PostgreSQL server the tests use if it is down,
# and makes sure the test database exists. Exports RECLAIM_TEST_PG_URL.
set -euo pipefail
PG_HOST=127.0.0.1
PG_PORT=5432
PG_DB=reclaim_test
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
  echo "PostgreSQL is down; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
fi
if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='$PG_DB'" | grep -q 1; then
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "create database $PG_DB"
fi
export RECLAIM_TEST_PG_URL="${RECLAIM_TEST_PG_URL:-postgresql+psycopg://postgres@$PG_HOST:$PG_PORT/$PG_DB}"
# The MQTT tests start Mosquitto brokers of their own (tests/operations/broker.py): the binary
# must be installed; the machine's own broker on 1883 is not used by them.
if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto) \
      || echo "services: could not install mosquitto; the MQTT tests will fail" >&2
  else
    echo "services: mosquitto missing; as root run: apt-get install -y mosquitto" >&2
  fi
fi
