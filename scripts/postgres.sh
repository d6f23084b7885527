# Sourced by test.sh: start a throwaway PostgreSQL server for the ledger tests and export
# MEDINS_TEST_POSTGRES_DSN. Installs Debian's postgresql package when no server binaries are
# found and we are root (CI); otherwise prints a notice and the PostgreSQL tests skip.
# A DSN already in the environment is used as it is. The server runs as the postgres user
# when we are root (PostgreSQL refuses root), listens only on a Unix socket in its temporary
# data directory, runs with fsync off (test data only) and is stopped when the shell exits.

_medins_pg_bindir() {
  local found
  found="$(command -v initdb 2>/dev/null || true)"
  if [ -z "$found" ]; then
    found="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  [ -n "$found" ] && dirname "$(readlink -f "$found")"
}

_medins_pg_start() {
  [ -n "${MEDINS_TEST_POSTGRES_DSN:-}" ] && return 0
  local bindir
  bindir="$(_medins_pg_bindir || true)"
  if [ -z "$bindir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "postgres.sh: installing PostgreSQL from Debian packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null ||
      echo "postgres.sh: apt-get install postgresql failed" >&2
    bindir="$(_medins_pg_bindir || true)"
  fi
  if [ -z "$bindir" ]; then
    echo "NOTICE: no PostgreSQL server available; the PostgreSQL ledger tests will be SKIPPED" >&2
    return 0
  fi
  local run=() datadir port=55432
  MEDINS_PG_DATA="$(mktemp -d /tmp/medins-pg.XXXXXX)"
  datadir="$MEDINS_PG_DATA"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$datadir"
    run=(runuser -u postgres --)
  fi
  while [ -e "/tmp/.s.PGSQL.$port" ] || [ -e "$datadir/.s.PGSQL.$port" ]; do port=$((port + 1)); done
  if ! "${run[@]}" "$bindir/initdb" -D "$datadir/db" -U medins --auth=trust -E UTF8 \
    --locale=C >"$datadir/initdb.log" 2>&1 ||
    ! "${run[@]}" "$bindir/pg_ctl" -D "$datadir/db" -l "$datadir/server.log" -w -o \
      "-k $datadir -p $port -c listen_addresses= -c fsync=off" start >/dev/null; then
    echo "NOTICE: PostgreSQL could not be started (see $datadir); PostgreSQL ledger tests will be SKIPPED" >&2
    return 0
  fi
  MEDINS_PG_CTL=("${run[@]}" "$bindir/pg_ctl" -D "$datadir/db" -m immediate stop)
  trap '"${MEDINS_PG_CTL[@]}" >/dev/null 2>&1; rm -rf "$MEDINS_PG_DATA"' EXIT
  export MEDINS_TEST_POSTGRES_DSN="host=$datadir port=$port dbname=postgres user=medins"
  echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $datadir port $port" >&2
}

_medins_pg_start
