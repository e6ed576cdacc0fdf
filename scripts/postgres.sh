# Sourced by test.sh: starts the machine's PostgreSQL cluster when it is down and makes a
# database for the store tests. Sets NEARGATE_TEST_POSTGRES_URL, or leaves it empty with a
# message when there is no PostgreSQL (then the PostgreSQL half of the store suite is skipped).
NEARGATE_TEST_POSTGRES_URL=
if command -v pg_lsclusters >/dev/null && [ "$(id -u)" -eq 0 ]; then
  read -r pg_version pg_cluster pg_port pg_status _ < <(pg_lsclusters -h | head -n 1) || true
  if [ -z "${pg_version:-}" ]; then
    pg_version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    pg_createcluster "$pg_version" main >/dev/null
    read -r pg_version pg_cluster pg_port pg_status _ < <(pg_lsclusters -h | head -n 1)
  fi
  [ "$pg_status" = online ] || pg_ctlcluster "$pg_version" "$pg_cluster" start
  su postgres -c "psql -p $pg_port -qtAc \"select 1 from pg_roles where rolname='neargate'\"" | grep -q 1 ||
    su postgres -c "psql -p $pg_port -qc \"create role neargate login superuser password 'neargate'\""
  NEARGATE_TEST_POSTGRES_URL="postgres://neargate:neargate@127.0.0.1:$pg_port/postgres"
else
  echo "neargate: no PostgreSQL here (needs root and the postgresql package); its store tests are skipped" >&2
fi
