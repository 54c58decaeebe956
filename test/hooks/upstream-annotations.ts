/** Upstream keda-kaito-scaler v0.6.2's two-metric annotation (pkg/scaledobject/provisioner_test.go). */
export const TWO_METRICS = `
- name: vllm:num_requests_waiting
  type: gauge
  upthreshold: 10
  downthreshold: 2
- name: vllm:request_queue_time_seconds
  type: histogram
  upthreshold: 1.5
  downthreshold: 0.5
`;
