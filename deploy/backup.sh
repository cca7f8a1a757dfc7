#!/usr/bin/env bash
# Backs up the platform of compose.yaml into <folder>/<UTC time>/ (default folder:
# backups/ next to this script), while it runs:
#   mongodb.archive.gz  the whole replica set, mongodump --oplog (one point in time)
#   postgres.dump       the relational database, pg_dump -Fc
#   data.tar.gz         REC_DATA_DIR: KYC documents and shops' photos
#   SHA256SUMS          checksums of the three
# MongoDB first, then PostgreSQL, then the files: whatever the money (MongoDB) refers to,
# people, accounts and currencies, was created earlier and is in the later copies.
# Not in the backup: .env (REC_SECRET_KEY): keep it apart; a restore needs the same one.
#
# Usage: deploy/backup.sh [folder]          restore with deploy/restore.sh <folder>/<time>
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
compose=(docker compose --project-directory "$here" --file "$here/compose.yaml")
root="${1:-$here/backups}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$root/$stamp"

umask 077
mkdir -p "$target"
echo "backup: into $target"

# A partial backup must not look like a good one.
trap 'echo "backup: FAILED; $target is incomplete" >&2; touch "$target/INCOMPLETE"' ERR

echo "backup: MongoDB (replica set rs0, with the oplog written meanwhile)"
# A container of its own (the mongo-init service's image and settings), so that the dump
# works whichever member is down; the primary is read.
"${compose[@]}" run --rm --no-deps -T --entrypoint bash mongo-init -c '
  exec mongodump --quiet \
    --uri="mongodb://${RS_MEMBERS}/?replicaSet=${RS_NAME}" \
    --username="$MONGO_ROOT_USERNAME" --password="$MONGO_ROOT_PASSWORD" \
    --authenticationDatabase=admin \
    --oplog --archive --gzip
' >"$target/mongodb.archive.gz"

echo "backup: PostgreSQL"
"${compose[@]}" exec -T postgres bash -c \
  'exec pg_dump --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" --format=custom' \
  >"$target/postgres.dump"

echo "backup: files of REC_DATA_DIR"
"${compose[@]}" run --rm --no-deps -T --entrypoint sh app -c \
  'exec tar -C "$REC_DATA_DIR" -czf - .' \
  >"$target/data.tar.gz"

(cd "$target" && sha256sum mongodb.archive.gz postgres.dump data.tar.gz >SHA256SUMS)
trap - ERR
echo "backup: done: $target"
ls -l "$target"
