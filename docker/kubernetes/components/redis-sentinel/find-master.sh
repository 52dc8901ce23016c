#!/bin/sh
# Prints the current master as "host port". In order: what a running sentinel says; else the
# master this node's own sentinel last knew (its config is on the data volume, so a whole-set
# restart after a failover keeps the promoted master rather than going back to node 0); else,
# on a first start, FIRST_MASTER.
set -eu

for sentinel in $SENTINELS; do
  answer=$(timeout 2 redis-cli -h "${sentinel%:*}" -p "${sentinel##*:}" --raw \
    sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null) || continue
  host=$(echo "$answer" | sed -n 1p)
  port=$(echo "$answer" | sed -n 2p)
  case "$port" in
    '' | *[!0-9]*) continue ;;
  esac
  echo "$host $port"
  exit 0
done

saved="$DATA_DIR/sentinel.conf"
if [ -f "$saved" ]; then
  known=$(sed -n "s/^sentinel monitor $MASTER_NAME \([^ ]*\) \([0-9]*\) .*/\1 \2/p" "$saved")
  if [ -n "$known" ]; then
    echo "$known"
    exit 0
  fi
fi

echo "${FIRST_MASTER%:*} ${FIRST_MASTER##*:}"
