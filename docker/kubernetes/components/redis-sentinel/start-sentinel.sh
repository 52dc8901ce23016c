#!/bin/sh
# Starts this node's sentinel, watching the current master. Its config is written afresh at
# every start (a sentinel coming back with an old view can take long to correct it) and kept on
# the data volume, where Sentinel records each failover: find-master.sh reads it when no other
# sentinel runs.
set -eu

config="$DATA_DIR/sentinel.conf"
master=$("$(dirname "$0")/find-master.sh")
cat >"$config.new" <<CONFIG
port $SENTINEL_PORT
protected-mode no
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $SELF_HOST
sentinel announce-port $SENTINEL_PORT
sentinel monitor $MASTER_NAME $master $QUORUM
sentinel down-after-milliseconds $MASTER_NAME $DOWN_AFTER_MS
sentinel failover-timeout $MASTER_NAME $FAILOVER_TIMEOUT_MS
sentinel parallel-syncs $MASTER_NAME 1
CONFIG
mv "$config.new" "$config"
exec redis-server "$config" --sentinel
