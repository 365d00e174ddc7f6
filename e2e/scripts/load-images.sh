#!/usr/bin/env bash
source "$(dirname "$0")/common.sh"
say "loading images into $CLUSTER"
# E2E_EXTRA_IMAGES: images the nodes cannot pull (no registry access), e.g. a local MinIO.
# shellcheck disable=SC2086 # a space-separated list on purpose
kind load docker-image --name "$CLUSTER" "wabiz:$TAG" "wabiz-operator:$TAG" \
  "wabiz:$TAG-previous" "wabiz-operator:$TAG-previous" ${E2E_EXTRA_IMAGES:-}
