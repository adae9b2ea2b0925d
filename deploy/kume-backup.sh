#!/bin/sh
# Nightly backup of the response database (run by kume-backup.service):
#   1. `kume backup`: a consistent copy while the collector runs;
#   2. the restore drill in miniature: `kume restore` of that copy into a scratch file, which
#      checks its integrity and schema, so a backup that could not be restored fails tonight,
#      not on the day it is needed;
#   3. local copies older than KUME_BACKUP_KEEP_DAYS removed (they hold personal data: KVKK);
#   4. with KUME_OFFSITE_REPOSITORY set, an encrypted off-site copy with restic, pruned to the
#      same retention.
# Settings (environment, e.g. /etc/kume/backup.env):
#   KUME_DB                   the database (default /var/lib/kume/kume.sqlite)
#   KUME_BACKUP_DIR           local backups (default /var/backups/kume)
#   KUME_BACKUP_KEEP_DAYS     days to keep (default 30)
#   KUME_OFFSITE_REPOSITORY   restic repository (sftp:…, s3:…, rest:…); unset: no off-site copy
#   RESTIC_PASSWORD_FILE      the restic repository's key, plus the storage's own variables
set -eu

db="${KUME_DB:-/var/lib/kume/kume.sqlite}"
dir="${KUME_BACKUP_DIR:-/var/backups/kume}"
keep="${KUME_BACKUP_KEEP_DAYS:-30}"
kume="${KUME_BIN:-/usr/local/bin/kume}"

mkdir -p "$dir"
file="$dir/kume-$(date -u +%Y%m%dT%H%M%SZ).sqlite"
"$kume" backup --db "$db" --to "$file"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$kume" restore --from "$file" --db "$scratch/check.sqlite"

find "$dir" -maxdepth 1 -name 'kume-*.sqlite' -mtime +"$keep" -delete

if [ -n "${KUME_OFFSITE_REPOSITORY:-}" ]; then
  restic --repo "$KUME_OFFSITE_REPOSITORY" backup --tag kume --host kume-collector "$file"
  restic --repo "$KUME_OFFSITE_REPOSITORY" forget --tag kume --keep-within "${keep}d" --prune
fi
