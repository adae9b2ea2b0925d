#!/usr/bin/env bash
# Builds the site for publishing, with the collector's benchmark snapshot when one is
# configured. Used by the Deploy workflow (.github/workflows/deploy.yml) and by Netlify's own
# builds (netlify.toml: a build hook called by the collector, or a linked repository).
#   KUME_COLLECTOR_URL  the collector's address (unset: only the site's labelled sample results)
#   KUME_READ_TOKEN     its read token (docs/deploy.md)
# A failed fetch fails the build: the live site keeps its last results rather than losing them.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-public}"
aggregates=()
if [ -n "${KUME_COLLECTOR_URL:-}" ]; then
  mkdir -p data/aggregates
  curl --fail-with-body --silent --show-error --retry 3 --retry-all-errors --max-time 120 \
    --header "Authorization: Bearer ${KUME_READ_TOKEN:?KUME_READ_TOKEN is needed with KUME_COLLECTOR_URL}" \
    --output data/aggregates/aggregates.json \
    "${KUME_COLLECTOR_URL%/}/api/v1/aggregates.json"
  aggregates=(--aggregates data/aggregates/aggregates.json)
  echo "Fetched the benchmark snapshot from the collector"
else
  echo "KUME_COLLECTOR_URL is not set: building with the site's sample results only (docs/benchmark.md)"
fi
cargo run --release --locked -- check
cargo run --release --locked -- build "${aggregates[@]}" --out "$out"
