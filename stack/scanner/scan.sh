#!/bin/sh
# The content scanner's scan script (matrix-content-scanner calls "script <file>"): asks the reference clamd
# through clamdscan. Exit codes as the BundesMessenger chart's scanner.sh: 0 clean, 3 infected (the scanner
# caches that as dirty), 1 when the scan could not run (clamd down or an error: listed in the scanner's
# exit_codes_to_ignore, so it is neither cached nor served). stdout's first line is the verdict text.
# Usage: scan.sh CLAMD_CONF FILE
conf="$1"
file="$2"
out="$(clamdscan --config-file="$conf" --no-summary --stdout "$file" 2>&1)"
rc=$?
case "$rc" in
  0) echo "File is clean"; exit 0 ;;
  1) echo "***VIRUS DETECTED*** ${out##*: }"; exit 3 ;;
  *) echo "scan failed: $out"; exit 1 ;;
esac
