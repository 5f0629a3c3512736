#!/usr/bin/env bash
# Validates docker-compose.yml, alone and with scripts/docker/postgres-port.yml, without a Docker
# engine: `docker-compose config` (Compose 1.29, Debian's package) checks the file against the
# Compose schema, interpolates variables, merges the override and resolves references (services
# in depends_on, named volumes). Then scripts/docker/compose-invariants.mjs checks what the stack
# promises (nothing published beyond 127.0.0.1, Postgres not published by default, named volumes,
# the sandbox and Kafka reachable from the host, dev secrets explicit). Last, a deliberately
# broken copy must be rejected, so a validator that accepts anything fails here too.
# Installs docker-compose with apt-get when it is missing and we are root (as in CI).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "validate-compose: installing docker-compose (Debian package)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  else
    echo "validate-compose: docker-compose is missing (apt-get install docker-compose)" >&2
    exit 1
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Compose interpolates ${VAR:-default} from the environment: validate the defaults.
unset KAFKA_HOST_PORT SANDBOX_HOST_PORT HTTP_HOST_PORT POSTGRES_HOST_PORT

to_json() {
  python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'
}

check() {
  local label=$1 mode=$2
  shift 2
  if ! docker-compose --project-directory . "$@" config >"$tmp/resolved.yml" 2>"$tmp/err"; then
    echo "validate-compose: $label is INVALID:" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  to_json <"$tmp/resolved.yml" >"$tmp/resolved.json"
  node scripts/docker/compose-invariants.mjs "$mode" "$tmp/resolved.json" || {
    echo "validate-compose: $label breaks the stack's promises (above)" >&2
    exit 1
  }
  echo "validate-compose: $label OK"
}

check docker-compose.yml base -f docker-compose.yml
check 'docker-compose.yml + scripts/docker/postgres-port.yml' postgres-port \
  -f docker-compose.yml -f scripts/docker/postgres-port.yml

# The validator must reject a broken file: an unknown option, and an undeclared named volume.
sed 's/^    stop_grace_period:/    stop_grace_periodd:/' docker-compose.yml >"$tmp/broken-option.yml"
sed 's/- postgres-data:/- postgres-dataa:/' docker-compose.yml >"$tmp/broken-volume.yml"
for broken in "$tmp/broken-option.yml" "$tmp/broken-volume.yml"; do
  if cmp -s "$broken" docker-compose.yml; then
    echo "validate-compose: self-test could not break the file ($(basename "$broken"))" >&2
    exit 1
  fi
  if docker-compose --project-directory . -f "$broken" config -q >/dev/null 2>&1; then
    echo "validate-compose: a broken file was ACCEPTED ($(basename "$broken")): validator useless" >&2
    exit 1
  fi
done
# ... and the promises must be checked: Postgres published is not the default stack.
docker-compose --project-directory . -f docker-compose.yml -f scripts/docker/postgres-port.yml \
  config | to_json >"$tmp/published.json"
if node scripts/docker/compose-invariants.mjs base "$tmp/published.json" 2>/dev/null; then
  echo "validate-compose: a stack publishing Postgres passed as the default one" >&2
  exit 1
fi
echo "validate-compose: broken files are rejected"
