import type { TriggerConfig } from '../../scaler/metadata.js';

/** A parsed trigger with the defaults of the metadata schema: fake cores fill in only what they test. */
export const triggerConfig = (
  fields: Pick<TriggerConfig, 'inferenceSetName' | 'inferenceSetNamespace' | 'metricName' | 'threshold'> & Partial<TriggerConfig>,
): TriggerConfig => ({
  metricProtocol: 'http',
  metricPort: 80,
  metricPath: '/metrics',
  scrapeTimeoutMs: 3000,
  aggregation: 'sum',
  windowMs: 300_000,
  minSamples: 20,
  ...fields,
});
