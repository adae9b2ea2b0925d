#!/usr/bin/env bash
# Checks the systemd units in this folder: `systemd-analyze verify` must print nothing, and the
# collector's exposure score (`systemd-analyze security`) must stay at 2.0 or below.
# Usage: bash deploy/check-units.sh PATH/TO/kume
set -euo pipefail
kume="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The units name installed paths; point them at this checkout so verify finds the programs.
for unit in kume-collector.service kume-backup.service kume-backup.timer; do
  sed -e "s#/usr/local/bin/kume#$kume#" \
      -e "s#/usr/local/lib/kume/kume-backup.sh#$here/kume-backup.sh#" \
      "$here/$unit" > "$work/$unit"
done
cd "$work"
report="$(systemd-analyze verify ./kume-collector.service ./kume-backup.service ./kume-backup.timer 2>&1)"
if [ -n "$report" ]; then
  echo "$report"
  exit 1
fi
systemd-analyze security --offline=true --threshold=20 --no-pager ./kume-collector.service | tail -1
