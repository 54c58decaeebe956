package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-logr/logr/funcr"
	grpcresolver "google.golang.org/grpc/resolver"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kedacore/keda/v2/pkg/scalers"
	"github.com/kedacore/keda/v2/pkg/scalers/authentication"
	"github.com/kedacore/keda/v2/pkg/scalers/scalersconfig"
	"github.com/kedacore/keda/v2/pkg/scaling/resolver"
)

type externalRequest struct {
	// KEDA reads a ClusterTriggerAuthentication's Secrets from this namespace (its own).
	ClusterObjectNamespace string `json:"clusterObjectNamespace"`
	// The objects KEDA's client finds: Secrets and the ClusterTriggerAuthentication.
	Objects      []json.RawMessage `json:"objects"`
	ScaledObject json.RawMessage   `json:"scaledObject"`
	// host:port in trigger metadata -> the 127.0.0.1 address it reaches here, as cluster DNS
	// would resolve a Service name. TLS still verifies the name in the metadata.
	Resolve map[string]string `json:"resolve"`
	// How many GetMetrics+IsActive polls to make per metric.
	Polls int `json:"polls"`
}

type metricSpec struct {
	Name         string `json:"name"`
	TargetType   string `json:"targetType"`
	AverageValue string `json:"averageValue,omitempty"`
	Value        string `json:"value,omitempty"`
}

type poll struct {
	Values []float64 `json:"values"`
	Names  []string  `json:"names"`
	Active bool      `json:"active"`
	Error  string    `json:"error,omitempty"`
}

type triggerResult struct {
	Name        string            `json:"name"`
	AuthParams  []string          `json:"authParams"`
	Error       string            `json:"error,omitempty"`
	MetricSpecs []metricSpec      `json:"metricSpecs"`
	Polls       map[string][]poll `json:"polls"`
	Logged      []string          `json:"logged"`
}

// external builds each trigger's scaler as KEDA's scale handler does (pkg/scaling/scalers_builder.go):
// trigger metadata as written, auth params from KEDA's resolver, then asks it what the HPA needs.
func external(in io.Reader) (any, error) {
	var request externalRequest
	if err := json.NewDecoder(in).Decode(&request); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if err := os.Setenv("KEDA_CLUSTER_OBJECT_NAMESPACE", request.ClusterObjectNamespace); err != nil {
		return nil, err
	}
	grpcresolver.Register(fixedResolver(request.Resolve))

	objects := make([]client.Object, 0, len(request.Objects))
	for _, raw := range request.Objects {
		object, err := decode(raw)
		if err != nil {
			return nil, err
		}
		objects = append(objects, object.(client.Object))
	}
	kube := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objects...).Build()
	so, err := decodeScaledObject(request.ScaledObject)
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// KEDA's scalers log their failures instead of returning them: keep each trigger's lines.
	var logged []string
	ctrllog.SetLogger(funcr.New(func(prefix, args string) { logged = append(logged, prefix+" "+args) }, funcr.Options{}))
	results := make([]triggerResult, 0, len(so.Spec.Triggers))
	for index, trigger := range so.Spec.Triggers {
		logged = nil
		result := triggerResult{Name: trigger.Name, Polls: map[string][]poll{}}
		config := &scalersconfig.ScalerConfig{
			ScalableObjectName:      so.Name,
			ScalableObjectNamespace: so.Namespace,
			ScalableObjectType:      "ScaledObject",
			TriggerName:             trigger.Name,
			TriggerMetadata:         trigger.Metadata,
			TriggerType:             trigger.Type,
			TriggerUseCachedMetrics: trigger.UseCachedMetrics,
			ResolvedEnv:             map[string]string{},
			GlobalHTTPTimeout:       3 * time.Second,
			TriggerIndex:            index,
			MetricType:              trigger.MetricType,
			ScaledObject:            so,
			TriggerUniqueKey:        fmt.Sprintf("ScaledObject-%s-%s-%d", so.Namespace, so.Name, index),
		}
		// An InferenceSet is scaled through /scale, so there is no Pod template to read env from.
		authParams, _, err := resolver.ResolveAuthRefAndPodIdentity(ctx, kube, ctrllog.Log, trigger.AuthenticationRef, nil, so.Namespace, &authentication.AuthClientSet{})
		if err != nil {
			result.Error = err.Error()
			result.Logged = logged
			results = append(results, result)
			continue
		}
		config.AuthParams = authParams
		for name, value := range authParams {
			if value != "" {
				result.AuthParams = append(result.AuthParams, name)
			}
		}
		scaler, err := scalers.NewExternalScaler(config)
		if err != nil {
			result.Error = err.Error()
			result.Logged = logged
			results = append(results, result)
			continue
		}
		for _, spec := range scaler.GetMetricSpecForScaling(ctx) {
			target := spec.External.Target
			ms := metricSpec{Name: spec.External.Metric.Name, TargetType: string(target.Type)}
			if target.AverageValue != nil {
				ms.AverageValue = target.AverageValue.String()
			}
			if target.Value != nil {
				ms.Value = target.Value.String()
			}
			result.MetricSpecs = append(result.MetricSpecs, ms)
			for range max(1, request.Polls) {
				values, active, err := scaler.GetMetricsAndActivity(ctx, ms.Name)
				p := poll{Active: active, Values: []float64{}, Names: []string{}}
				if err != nil {
					p.Error = err.Error()
				}
				for _, value := range values {
					p.Values = append(p.Values, value.Value.AsApproximateFloat64())
					p.Names = append(p.Names, value.MetricName)
				}
				result.Polls[ms.Name] = append(result.Polls[ms.Name], p)
			}
		}
		_ = scaler.Close(ctx)
		result.Logged = logged
		results = append(results, result)
	}
	return map[string]any{"triggers": results}, nil
}

// fixedResolver stands in for cluster DNS under grpc's default scheme, which KEDA's
// grpc.NewClient(scalerAddress) uses.
type fixedResolver map[string]string

func (fixedResolver) Scheme() string { return "dns" }

func (r fixedResolver) Build(target grpcresolver.Target, cc grpcresolver.ClientConn, _ grpcresolver.BuildOptions) (grpcresolver.Resolver, error) {
	address, ok := r[target.Endpoint()]
	if !ok {
		return nil, fmt.Errorf("no address for %q in the request's resolve map", target.Endpoint())
	}
	return fixedResolver(nil), cc.UpdateState(grpcresolver.State{Addresses: []grpcresolver.Address{{Addr: address}}})
}

func (fixedResolver) ResolveNow(grpcresolver.ResolveNowOptions) {}
func (fixedResolver) Close()                                    {}
