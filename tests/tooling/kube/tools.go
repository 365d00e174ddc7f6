//go:build tools

// Package tools pins the Kubernetes control-plane commands the cluster tests build; there is no
// Go code of ours here, only the module requirements.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
