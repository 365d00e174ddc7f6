#!/usr/bin/env bash
source "$(dirname "$0")/common.sh"
say "building wabiz:$TAG and wabiz-operator:$TAG"
docker build -f "$ROOT/images/services.Dockerfile" -t "wabiz:$TAG" "$ROOT"
docker build -f "$ROOT/images/operator.Dockerfile" -t "wabiz-operator:$TAG" "$ROOT"
