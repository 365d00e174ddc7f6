//go:build tools

// Package tools pins etcd's server (its module root is the etcd command); no Go code of ours.
package tools

import _ "go.etcd.io/etcd/server/v3"
