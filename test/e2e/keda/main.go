// Command keda runs KEDA's own code, from the KEDA module pinned in go.mod, on inputs the
// end-to-end suite writes as JSON to stdin, and prints what KEDA makes of them as JSON:
//
//	keda external   the external scaler KEDA's operator and metrics adapter use, with its
//	                credentials resolved from a ClusterTriggerAuthentication by KEDA's resolver
//	keda formula    scalingModifiers: KEDA's validation, compilation and evaluation
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: keda external|formula < request.json")
		os.Exit(2)
	}
	var (
		out any
		err error
	)
	switch os.Args[1] {
	case "external":
		out, err = external(os.Stdin)
	case "formula":
		out, err = formula(os.Stdin)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := kedav1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// decode reads an object the way the API server's strict field validation would: a field
// KEDA's Go types do not have is an error, not silently dropped.
func decode(raw json.RawMessage) (runtime.Object, error) {
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	object, _, err := decoder.Decode(raw, nil, nil)
	return object, err
}

func decodeScaledObject(raw json.RawMessage) (*kedav1alpha1.ScaledObject, error) {
	object, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("ScaledObject: %w", err)
	}
	so, ok := object.(*kedav1alpha1.ScaledObject)
	if !ok {
		return nil, fmt.Errorf("expected a ScaledObject, got %T", object)
	}
	return so, nil
}
