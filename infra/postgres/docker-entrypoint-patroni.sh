#!/bin/sh
# Starts Patroni for one node (its name is the first argument: pg1 or pg2) with the configuration the compose
# `config` service rendered from infra/postgres/patroni.yml.tmpl. Patroni runs initdb or clones the leader
# itself, so the postgres image's own entrypoint (initdb, POSTGRES_PASSWORD) is not used.
set -e
node="${1:?usage: docker-entrypoint-patroni.sh pg1|pg2}"
conf="/config/${node}.yml"
[ -r "$conf" ] || { echo "patroni: $conf is missing: the config service did not render it" >&2; exit 1; }
# The health check reads the node's REST port from this file.
echo "$node" > /tmp/patroni-node
exec patroni "$conf"
