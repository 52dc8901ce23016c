#!/usr/bin/env bash
# Prints the path of a Chromium binary for the console's browser tests: the one at
# /usr/bin/chromium, or Debian's package `chromium`, installed when absent (CI's machines
# start without it; playwright-core never downloads a browser of its own).
set -euo pipefail
binary=/usr/bin/chromium
if [ ! -x "$binary" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  }
fi
echo "$binary"
