#!/usr/bin/env bash
# Prints the path of a tmux binary: the one on PATH, else Debian's package, installed once.
# The CLI's end-to-end test drives `agentq` in a real terminal with it.
set -euo pipefail
if ! command -v tmux >/dev/null; then
  apt-get install -y -qq tmux >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null && apt-get install -y -qq tmux >/dev/null
  }
fi
command -v tmux
