#!/usr/bin/env bash
# Prints the path of a promtool binary: the one on PATH, or Debian's (package `prometheus`),
# downloaded once and unpacked into node_modules/.cache without installing the package (no
# service starts). The alert-rule tests run it.
set -euo pipefail
if command -v promtool >/dev/null; then
  command -v promtool
  exit 0
fi
cache="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.cache/agentq-promtool"
binary="$cache/usr/bin/promtool"
if [ ! -x "$binary" ]; then
  mkdir -p "$cache"
  (cd "$cache" && apt-get download prometheus >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null && apt-get download prometheus >/dev/null
  })
  dpkg-deb -x "$cache"/prometheus_*.deb "$cache"
  rm -f "$cache"/prometheus_*.deb
fi
echo "$binary"
