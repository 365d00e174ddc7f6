#!/usr/bin/env bash
source "$(dirname "$0")/common.sh"
say "loading images into $CLUSTER"
kind load docker-image --name "$CLUSTER" "wabiz:$TAG" "wabiz-operator:$TAG"
