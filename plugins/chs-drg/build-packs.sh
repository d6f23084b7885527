#!/usr/bin/env bash
# Rebuild this plugin's grouping pack from the OpenDRG reference data (reproducible: the test
# suite rebuilds it into a temporary directory and compares the bytes with the shipped one).
# usage: build-packs.sh [DATA_DIR] [OUT_DIR]   (defaults: ../../../shared/data, the package's packs/)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-$here/../../../shared/data}"
out="${2:-$here/src/medins_plugin_chs_drg/packs}"
# Exit 1 means "problems reported in problems.json": the national text has one code commented
# out with '#' (MDCZ, S12.910), which the compiler lists instead of dropping silently.
status=0
python -m medins_sdk.grouping.compiler "$data/opendrg/rules/CHS_DRG_11" \
  -o "$out/grouping" --scheme chs-drg-1.1 --version 1.1 \
  --effective-from 2021-01-01 --licence Apache-2.0 \
  --source-note "OpenDRG DRG_Rules CHS_DRG_11 (commit ab57a5b): national CHS-DRG 1.1 grouping scheme" || status=$?
[ "$status" -le 1 ] || exit "$status"
