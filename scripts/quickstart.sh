#!/usr/bin/env bash
# Install everything (core, plugins, adapters) and run the main job on the bundled samples.
source "$(dirname "$0")/_env.sh"
medins plugins
medins validate samples/encounters.jsonl --format table
