#!/bin/sh
# Stops or starts the reference clamd (see clamd-supervise.sh) and returns once clamd is gone or answers PING,
# within a deadline. Written into the target file as MXACCEPT_SCANNER_AV_STOP / _START for the embedded instance.
# Usage: clamd-ctl.sh stop|start CLAMD_CONF CONTROL_FIFO
set -u
usage="usage: clamd-ctl.sh stop|start CLAMD_CONF CONTROL_FIFO   (the reference target file's MXACCEPT_SCANNER_AV_STOP / _START)"
case "${1:-}" in
  -h|--help) echo "$usage"; exit 0 ;;
  stop|start) [ $# -eq 3 ] || { echo "clamd-ctl.sh: needs 3 arguments; $usage" >&2; exit 2; } ;;
  *) echo "clamd-ctl.sh: stop or start first; $usage" >&2; exit 2 ;;
esac
what="$1"
conf="$2"
ctl="$3"
pings() { clamdscan --config-file="$conf" --ping 1 >/dev/null 2>&1; }
timeout 10 sh -c 'echo "$1" > "$2"' sh "$what" "$ctl" || { echo "the clamd supervisor does not listen on $ctl" >&2; exit 1; }
i=0
while [ "$i" -lt 300 ]; do
  if [ "$what" = stop ]; then pings || exit 0; else pings && exit 0; fi
  i=$((i + 1))
  sleep 0.1
done
echo "clamd did not $what within 30 s" >&2
exit 1
