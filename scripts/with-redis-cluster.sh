#!/usr/bin/env bash
# Runs a command with a throwaway Redis Cluster (3 masters, 3 replicas, from the redis-server
# binary, on free loopback ports) and AGENTQ_TEST_CLUSTER_NODES naming it, then removes the
# cluster whatever the command did. The system tests read that variable to run on it.
set -euo pipefail
dir="$(mktemp -d -t agentq-cluster-XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

# Twelve free ports: a client port and a cluster bus port per node.
read -r -a ports <<<"$(node -e '
  const net = require("node:net");
  const take = () => new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  (async () => {
    const ports = new Set();
    while (ports.size < 12) ports.add(await take());
    console.log([...ports].join(" "));
  })();
')"

nodes=()
for i in 0 1 2 3 4 5; do
  port="${ports[$i]}"
  mkdir -p "$dir/$port"
  redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
    --cluster-port "${ports[$((i + 6))]}" --cluster-config-file "$dir/$port/nodes.conf" \
    --cluster-node-timeout 1000 --dir "$dir/$port" --save '' --appendonly no \
    --logfile "$dir/$port/redis.log" &
  pids+=("$!")
  nodes+=("127.0.0.1:$port")
done
for node in "${nodes[@]}"; do
  until redis-cli -p "${node#*:}" ping >/dev/null 2>&1; do sleep 0.05; done
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log"
for node in "${nodes[@]}"; do
  until redis-cli -p "${node#*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; do
    sleep 0.1
  done
done

AGENTQ_TEST_CLUSTER_NODES="$(IFS=,; echo "${nodes[*]}")" "$@"
