#!/bin/sh
# Runs the reference clamd and keeps it controllable for the fail-closed check: a line "stop" or "start"
# written to the control FIFO stops or restarts clamd (clamd-ctl.sh does that). The launcher records this
# process; stopping it (SIGTERM to its process group) stops clamd too.
# Usage: clamd-supervise.sh CLAMD_CONF CONTROL_FIFO
conf="$1"
ctl="$2"
clamd --config-file="$conf" &
pid=$!
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; fi; exit 143' TERM INT HUP
while [ -p "$ctl" ]; do
  cmd=""
  # Opening the FIFO blocks until a writer comes; a signal (a child's SIGCHLD) can interrupt it: open again.
  read -r cmd < "$ctl" 2>/dev/null || continue
  case "$cmd" in
    stop) if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid"; pid=""; fi ;;
    start) if [ -z "$pid" ]; then clamd --config-file="$conf" & pid=$!; fi ;;
  esac
done
if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; fi
