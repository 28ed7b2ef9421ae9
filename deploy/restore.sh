#!/bin/sh
# Restore a pg_dump custom-format backup into a NEW, empty database, then check it.
#   deploy/restore.sh DUMP_FILE NEW_DATABASE_URL
#   e.g. deploy/restore.sh /var/backups/cashless/cashless-2025-03-01.dump \
#          postgresql://postgres@127.0.0.1:5432/cashless_restored
# The database is created (createdb) and must not exist yet: a restore never overwrites live data.
# Point DATABASE_URL at it (postgresql+psycopg://...) once `cashless db status` says healthy.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 DUMP_FILE NEW_DATABASE_URL (postgresql://user@host:port/newdb)" >&2
    exit 2
fi
dump=$1
url=$2
[ -r "$dump" ] || { echo "restore: cannot read $dump" >&2; exit 1; }

# libpq wants postgresql://; SQLAlchemy's driver suffix is accepted and dropped
libpq_url=$(printf '%s' "$url" | sed 's|^postgresql+[a-z]*://|postgresql://|')
dbname=${libpq_url##*/}
dbname=${dbname%%\?*}
server_url=${libpq_url%/*}/postgres

createdb --maintenance-db="$server_url" "$dbname"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$libpq_url" "$dump"
echo "restored $dump into $dbname"
