#!/usr/bin/env bash
# Install everything (core, plugins, adapters) and run the main job on the bundled samples:
# validate every supported record shape, then group, price and report inpatient cases under
# Beijing's DRG scheme.
source "$(dirname "$0")/_env.sh"
medins plugins
medins validate samples/encounters.jsonl --format table
medins price --scheme beijing-drg-2022 samples/inpatient.jsonl --format table
medins report drg --scheme beijing-drg-2022 samples/inpatient.jsonl --by department --format table
