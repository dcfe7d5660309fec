#!/bin/sh
# Entrypoint of the test images: initialises a cluster on first start, then runs postgres with the container's
# arguments (Testcontainers passes "-c name=value" pairs). With STANDBY_OF (a libpq connection string to a primary)
# the data directory is a base backup of that primary and the server starts as its streaming standby.
set -eu

PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    # Not a server option: run the command (e.g. bash, postgres --version).
    exec "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    if [ -n "${STANDBY_OF:-}" ]; then
        # The primary may still be starting: try for a minute.
        tries=0
        until pg_basebackup --pgdata="$PGDATA" --dbname="$STANDBY_OF" --wal-method=stream --checkpoint=fast --write-recovery-conf; do
            tries=$((tries + 1))
            if [ "$tries" -ge 60 ]; then
                echo "entrypoint: no base backup from the primary after $tries attempts" >&2
                exit 1
            fi
            rm -rf "${PGDATA:?}"/*
            sleep 1
        done
    else
        pwfile=$(mktemp)
        printf '%s\n' "${POSTGRES_PASSWORD:-postgres}" > "$pwfile"
        # Trust, like the tests' throwaway clusters: tests log in as roles they create without passwords.
        initdb --pgdata="$PGDATA" --username="${POSTGRES_USER:-postgres}" --pwfile="$pwfile" \
            --auth=trust --encoding=UTF8 --no-sync >/dev/null
        rm -f "$pwfile"
        {
            echo "host all all all trust"
            echo "host replication all all trust"
        } >> "$PGDATA/pg_hba.conf"
        echo "listen_addresses = '*'" >> "$PGDATA/postgresql.auto.conf"
        if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != "postgres" ]; then
            postgres --single -D "$PGDATA" postgres <<SQL >/dev/null
CREATE DATABASE "$POSTGRES_DB";
SQL
        fi
    fi
fi

exec postgres "$@"
