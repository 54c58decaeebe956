package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/go-logr/logr/funcr"
	"k8s.io/metrics/pkg/apis/external_metrics"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/scalers"
	"github.com/kedacore/keda/v2/pkg/scaling/cache"
	"github.com/kedacore/keda/v2/pkg/scaling/modifiers"
)

type formulaRequest struct {
	ScaledObject json.RawMessage `json:"scaledObject"`
	// Each entry: trigger name -> the value its metric reports.
	Inputs []map[string]float64 `json:"inputs"`
}

type formulaResult struct {
	// What KEDA's admission webhook and scale handler say of the formula; empty when it compiles.
	Invalid string `json:"invalid,omitempty"`
	// The formula as KEDA stores it after its float cast.
	Formula string         `json:"formula"`
	Outputs []formulaValue `json:"outputs"`
}

type formulaValue struct {
	Value float64 `json:"value"`
	Error string  `json:"error,omitempty"`
}

// formula validates and compiles scalingModifiers as KEDA's webhook and scale handler do
// (apis/keda/v1alpha1.ValidateAndCompileScalingModifiers), then turns each input into the
// composite metric through the code the metrics adapter runs (pkg/scaling/modifiers).
func formula(in io.Reader) (any, error) {
	var request formulaRequest
	if err := json.NewDecoder(in).Decode(&request); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	so, err := decodeScaledObject(request.ScaledObject)
	if err != nil {
		return nil, err
	}
	if so.Spec.Advanced == nil {
		return nil, fmt.Errorf("ScaledObject has no spec.advanced.scalingModifiers")
	}
	compiled, err := kedav1alpha1.ValidateAndCompileScalingModifiers(so)
	result := formulaResult{Formula: so.Spec.Advanced.ScalingModifiers.Formula, Outputs: []formulaValue{}}
	if err != nil {
		result.Invalid = err.Error()
		return result, nil
	}
	compiledCache := &cache.ScalersCache{CompiledFormula: compiled}
	for _, input := range request.Inputs {
		var logged string
		log := funcr.New(func(prefix, args string) { logged += prefix + " " + args + "\n" }, funcr.Options{})
		metrics := []external_metrics.ExternalMetricValue{}
		pairs := map[string]string{}
		for index, trigger := range so.Spec.Triggers {
			value, ok := input[trigger.Name]
			if !ok {
				continue
			}
			name := fmt.Sprintf("s%d-%s", index, trigger.Name)
			// As the external scaler hands KEDA each value: rounded to thousandths.
			metrics = append(metrics, scalers.GenerateMetricInMili(name, value))
			pairs[name] = trigger.Name
		}
		out := modifiers.HandleScalingModifiers(so, metrics, pairs, false, nil, compiledCache, log)
		if len(out) != 1 || out[0].MetricName != kedav1alpha1.CompositeMetricName {
			result.Outputs = append(result.Outputs, formulaValue{Error: "formula not applied: " + logged})
			continue
		}
		result.Outputs = append(result.Outputs, formulaValue{Value: out[0].Value.AsApproximateFloat64()})
	}
	return result, nil
}
