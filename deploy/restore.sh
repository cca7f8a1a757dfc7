#!/usr/bin/env bash
# Restores a backup made by backup.sh into the platform of compose.yaml: both stores and
# the files of REC_DATA_DIR, all from the same backup folder. Everything written since
# that backup is lost. docs/operations.md, "Backups and restore", says when and how.
#
#   1. stops app and worker (nothing may write meanwhile);
#   2. starts the stores if needed (on a new host: the replica set and its users too);
#   3. PostgreSQL: pg_restore --clean, in one transaction;
#   4. MongoDB: mongorestore --drop --oplogReplay (the replica set as it was at the end
#      of the dump);
#   5. the files of REC_DATA_DIR, replacing what is there;
#   6. `rec migrate` (the backup may be older than the code), then `rec ledger verify`;
#   7. starts app and worker again, only if the ledger verified.
#
# Usage: deploy/restore.sh <backup folder> [--yes]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
compose=(docker compose --project-directory "$here" --file "$here/compose.yaml")

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 <backup folder> [--yes]" >&2
  exit 2
fi
source="$(cd "$1" && pwd)"
confirmed="${2:-}"

for file in mongodb.archive.gz postgres.dump data.tar.gz SHA256SUMS; do
  if [ ! -s "$source/$file" ]; then
    echo "restore: $source has no $file: not a complete backup" >&2
    exit 2
  fi
done
if [ -e "$source/INCOMPLETE" ]; then
  echo "restore: $source is marked INCOMPLETE: its backup failed" >&2
  exit 2
fi
(cd "$source" && sha256sum --check --quiet SHA256SUMS)

if [ "$confirmed" != "--yes" ]; then
  echo "restore: this replaces ALL data of the platform with the backup $source."
  read -r -p "Type restore to go on: " answer
  if [ "$answer" != "restore" ]; then
    echo "restore: nothing changed" >&2
    exit 1
  fi
fi

echo "restore: stopping app and worker"
"${compose[@]}" stop app worker

echo "restore: starting the stores"
"${compose[@]}" up --detach postgres
# Starts the three members, waits until they answer, makes the replica set and the
# platform's user if this is a new host; changes nothing otherwise.
"${compose[@]}" run --rm mongo-init
for attempt in $(seq 1 30); do
  if "${compose[@]}" exec -T postgres bash -c \
    'pg_isready --quiet --username="$POSTGRES_USER" --dbname="$POSTGRES_DB"'; then
    break
  fi
  if [ "$attempt" -eq 30 ]; then
    echo "restore: PostgreSQL did not start" >&2
    exit 1
  fi
  sleep 2
done

echo "restore: PostgreSQL"
"${compose[@]}" exec -T postgres bash -c '
  exec pg_restore --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" \
    --clean --if-exists --no-owner --single-transaction --exit-on-error
' <"$source/postgres.dump"

echo "restore: MongoDB"
# The platform's database is dropped first: --drop replaces only the collections the
# backup has, and one created after it would keep newer data.
"${compose[@]}" run --rm --no-deps -T --entrypoint bash mongo-init -c '
  exec mongosh --quiet "mongodb://${RS_MEMBERS}/?replicaSet=${RS_NAME}" \
    --username="$MONGO_ROOT_USERNAME" --password="$MONGO_ROOT_PASSWORD" \
    --authenticationDatabase=admin \
    --eval "db.getSiblingDB(process.env.REC_MONGODB_DATABASE).dropDatabase()"
' </dev/null
"${compose[@]}" run --rm --no-deps -T --entrypoint bash mongo-init -c '
  exec mongorestore --quiet \
    --uri="mongodb://${RS_MEMBERS}/?replicaSet=${RS_NAME}" \
    --username="$MONGO_ROOT_USERNAME" --password="$MONGO_ROOT_PASSWORD" \
    --authenticationDatabase=admin \
    --drop --oplogReplay --archive --gzip
' <"$source/mongodb.archive.gz"
# The backup's users came back with it: set the platform's password from .env again.
"${compose[@]}" run --rm --no-deps mongo-init

echo "restore: files of REC_DATA_DIR"
"${compose[@]}" run --rm --no-deps -T --entrypoint sh app -c '
  find "$REC_DATA_DIR" -mindepth 1 -delete && exec tar -C "$REC_DATA_DIR" -xzf -
' <"$source/data.tar.gz"

echo "restore: rec migrate"
"${compose[@]}" run --rm --no-deps migrate

echo "restore: rec ledger verify"
if ! "${compose[@]}" run --rm --no-deps migrate ledger verify; then
  echo "restore: the ledger does not verify; app and worker stay stopped." >&2
  echo "restore: see docs/operations.md, \"Verifying the ledger\"." >&2
  exit 1
fi

echo "restore: starting app and worker"
"${compose[@]}" up --detach app worker
echo "restore: done from $source"
