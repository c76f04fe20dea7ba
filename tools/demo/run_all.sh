#!/usr/bin/env bash
# The main job: every model family on real, bundled data, one after another.
# Each family also runs alone: `make demo-classification` (or detection,
# fastgan, singan). Outputs go under outputs/<family>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

for family in classification detection fastgan singan; do
  echo "=== ${family} ($(date -u +%H:%M:%S) UTC)"
  start=$(date +%s)
  bash "tools/demo/run_${family}.sh"
  echo "=== ${family} finished in $(( $(date +%s) - start )) s"
done
