//go:build tools

// Package tools pins kwok, which simulates nodes and pod lifecycles; no Go code of ours.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
