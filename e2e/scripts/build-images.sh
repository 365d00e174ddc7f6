#!/usr/bin/env bash
source "$(dirname "$0")/common.sh"
say "building wabiz:$TAG and wabiz-operator:$TAG${PYTHON_IMAGE:+ on $PYTHON_IMAGE}"
make -C "$ROOT" --no-print-directory images IMAGE_TAG="$TAG"
