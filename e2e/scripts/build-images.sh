#!/usr/bin/env bash
# This tree's images, and the previous release's (from git history) for the upgrade scenario.
source "$(dirname "$0")/common.sh"
say "building wabiz:$TAG and wabiz-operator:$TAG${PYTHON_IMAGE:+ on $PYTHON_IMAGE}"
make -C "$ROOT" --no-print-directory images IMAGE_TAG="$TAG"
previous="$("$ROOT/.venv/bin/python" -c 'from tests.cluster.operators import PREVIOUS_RELEASE; print(PREVIOUS_RELEASE)')"
say "building the previous release ${previous:0:8} as wabiz:$TAG-previous and wabiz-operator:$TAG-previous"
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
git -C "$ROOT" archive "$previous" | tar -x -C "$tree"
make -C "$tree" --no-print-directory images IMAGE_TAG="$TAG-previous"
