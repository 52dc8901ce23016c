#!/usr/bin/env bash
# Prints the bin folder of a Node 24 (the LTS line the images run), for running the tests on
# it beside the machine's own Node: the one on PATH if it is 24 already, else the official
# binary from the npm registry's node-<os>-<arch> package, unpacked once into
# node_modules/.cache.
set -euo pipefail
VERSION=24.9.0
if [ "$(node -p 'process.versions.node.split(".")[0]')" = 24 ]; then
  dirname "$(command -v node)"
  exit 0
fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node24: no Node binary package for $(uname -m)" >&2; exit 1 ;;
esac
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
cache="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.cache/agentq-node-$VERSION"
if [ ! -x "$cache/package/bin/node" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "node-$os-$arch@$VERSION" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
fi
echo "$cache/package/bin"
