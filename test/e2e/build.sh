#!/usr/bin/env bash
# Builds the Go programs of the end-to-end suite into test/e2e/.bin from the modules pinned in
# test/e2e/*/go.mod. Go's build and module caches (GOCACHE, GOMODCACHE) make a second run a link.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || { echo 'the end-to-end suite needs Go (see docs/e2e.md)' >&2; exit 1; }
mkdir -p .bin
bin="$PWD/.bin"
step() { local start=$SECONDS; "$@"; echo "e2e build: $* took $((SECONDS - start)) s" >&2; }
(cd keda && step go build -o "$bin/keda" .)
(cd keda && step go build -o "$bin/keda-operator" github.com/kedacore/keda/v2/cmd/operator)
# The operator wants every CRD of its own release installed, not only the ones we use.
mkdir -p "$bin/keda-crds"
cp "$(cd keda && go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)"/config/crd/bases/*.yaml "$bin/keda-crds/"
chmod u+w "$bin"/keda-crds/*.yaml
# kube-apiserver reports the version it was built as, as the release build stamps it.
kube_version=$(cd cluster && go list -m -f '{{.Version}}' k8s.io/kubernetes)
kube_minor=${kube_version#v1.}; kube_minor=${kube_minor%%.*}
ldflags="-X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$kube_minor -X k8s.io/component-base/version.gitTreeState=clean"
(cd cluster && step go build -ldflags "$ldflags" -o "$bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
(cd cluster && step go build -o "$bin/etcd" go.etcd.io/etcd/server/v3)
