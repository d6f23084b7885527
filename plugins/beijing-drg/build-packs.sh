#!/usr/bin/env bash
# Rebuild this plugin's rule packs from the OpenDRG reference data (reproducible: the test
# suite rebuilds them into a temporary directory and compares the bytes with the shipped ones).
# usage: build-packs.sh [DATA_DIR] [OUT_DIR]   (defaults: ../../../shared/data, the package's packs/)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-$here/../../../shared/data}"
out="${2:-$here/src/medins_plugin_beijing_drg/packs}"
python -m medins_sdk.grouping.compiler "$data/opendrg/rules/CHS_DRG_11_BJ" \
  -o "$out/grouping" --scheme beijing-drg-2022 --region 110000 --version 2022 \
  --effective-from 2022-01-01 --licence Apache-2.0 \
  --source-note "OpenDRG DRG_Rules CHS_DRG_11_BJ (commit ab57a5b): Beijing 2022 DRG grouping scheme, based on CHS-DRG 1.1"
python -m medins_sdk.pricing.drg "$data/opendrg/payment/beijing_2022_drg_weights.csv" \
  -o "$out/rates" --scheme beijing-drg-2022 --region 110000 --version 2022 \
  --effective-from 2022-01-01 --licence Apache-2.0 \
  --source-note "OpenDRG DRG_Datas Payment/北京2022.csv (commit 164c3f6): Beijing 2022 DRG relative weights and payment standards"
