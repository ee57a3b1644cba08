#!/bin/sh
# Entry point of every service image. The replicas of carrinho (docker compose up --scale carrinho=N) share one
# environment, so serviceEnv() leaves INSTANCE_ID out for them and each container names itself after its
# host name (the container id): X-Served-By then tells the replicas apart.
set -e
if [ -z "${INSTANCE_ID:-}" ]; then
  INSTANCE_ID="${SERVICE_NAME:-service}-$(hostname)"
  export INSTANCE_ID
fi
exec "$@"
