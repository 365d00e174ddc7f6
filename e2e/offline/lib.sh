# shellcheck shell=bash disable=SC2034 # sourced by build.sh and build-cnpg.sh, which use these names
# Shared settings and helpers of the offline image builds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$here/../.." && pwd)"
WORK="${E2E_OFFLINE_CACHE:-$HOME/.cache/wabiz/e2e-offline}"
BIN="$WORK/bin"
mkdir -p "$BIN"
export CGO_ENABLED=0 GOFLAGS=-mod=mod

say() { printf 'offline: %s\n' "$*"; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
image() { # tag context, Dockerfile on stdin
  docker build -q --force-rm -t "$1" -f - "$2" >/dev/null  # no containers left behind on failure
  say "image $1"
}
module_dir() { go mod download -json "$1" | jq -r .Dir; }
module_commit() { go mod download -json "$1" | jq -r .Origin.Hash; }
go_install() { # binary package@version [go install flags…]
  [ -x "$BIN/$1" ] && return
  say "go install $2 (first time only)"
  GOBIN="$BIN" go install "${@:3}" "$2"
}
