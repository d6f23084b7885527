#!/usr/bin/env bash
# Install everything (core, plugins, adapters) and run the main job: `medins demo`, a
# synthetic tertiary hospital month generated, validated, priced under every installed
# scheme, audited, settled against the national platform adapter's simulated bureau (with
# dropped connections), reconciled, and written up as demo-output/report.html.
source "$(dirname "$0")/_env.sh"
medins demo --out demo-output
