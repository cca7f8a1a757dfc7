#!/usr/bin/env bash
# Replaces the app containers one at a time with the current image and settings, each
# old one only after its replacement answers /readyz, then recreates the workers. Run it
# after `docker compose build` and `docker compose run --rm migrate` (docs/operations.md,
# "Upgrading"), or after changing .env.
#
# Usage: deploy/rollout.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
compose=(docker compose --project-directory "$here" --file "$here/compose.yaml")

mapfile -t old < <("${compose[@]}" ps --quiet app)
count="${#old[@]}"
if [ "$count" -eq 0 ]; then
  echo "rollout: no app container runs; starting the service"
  "${compose[@]}" up --detach --no-deps app worker
  exit 0
fi

is_old() {
  local id
  for id in "${old[@]}"; do
    if [ "$id" = "$1" ]; then return 0; fi
  done
  return 1
}

# Waits until every app container that is not an old one is healthy.
wait_for_new() {
  local tries id status waiting
  for tries in $(seq 1 60); do
    waiting=0
    while read -r id; do
      if is_old "$id"; then continue; fi
      status="$(docker inspect --format '{{.State.Health.Status}}' "$id")"
      if [ "$status" = "unhealthy" ]; then
        echo "rollout: new container $id is unhealthy; old ones left running" >&2
        return 1
      fi
      if [ "$status" != "healthy" ]; then waiting=1; fi
    done < <("${compose[@]}" ps --all --quiet app)
    if [ "$waiting" -eq 0 ]; then return 0; fi
    sleep 2
  done
  echo "rollout: new containers not healthy after 2 minutes; old ones left running" >&2
  return 1
}

for id in "${old[@]}"; do
  echo "rollout: starting a new app container beside $id"
  "${compose[@]}" up --detach --no-deps --no-recreate --scale "app=$((count + 1))" app
  wait_for_new
  echo "rollout: stopping $id"
  docker stop --time 30 "$id" >/dev/null
  docker rm "$id" >/dev/null
done

echo "rollout: recreating the workers (each gives its leases back as it stops)"
"${compose[@]}" up --detach --no-deps worker
"${compose[@]}" ps app worker
echo "rollout: done"
