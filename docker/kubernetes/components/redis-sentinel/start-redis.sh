#!/bin/sh
# Starts this node's redis-server (arguments: its settings) as the master when it is the
# current one, else as a replica of it. Sentinel moves it between the two from then on.
set -eu

set -- "$@" --port "$REDIS_PORT" --replica-announce-ip "$SELF_HOST" --dir "$DATA_DIR"
master=$("$(dirname "$0")/find-master.sh")
if [ "$master" = "$SELF_HOST $REDIS_PORT" ]; then
  echo "starting as the master"
  exec redis-server "$@"
fi
echo "starting as a replica of $master"
# shellcheck disable=SC2086 # "host port" splits into two arguments
exec redis-server "$@" --replicaof $master
