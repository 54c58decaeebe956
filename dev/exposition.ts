/**
 * The Prometheus text format as Python's prometheus_client writes it, which is what vLLM
 * serves: families in registration order, labels sorted, floats in Go's style, a separate
 * `<name>_created` gauge family for counters, histograms and summaries, and `?name[]=`
 * filtering by sample name.
 */
import type { Sample } from '../scaler/extract.js';

export type { Sample };
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Family {
  /** As the `# TYPE` line names it (counters with their `_total`). */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/**
 * @param sampleNames when given, only samples of these names are written, and families
 *   left without samples are dropped (prometheus_client's `name[]` filter).
 */
export function renderExposition(families: readonly Family[], sampleNames?: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const family of families) {
    const samples = sampleNames ? family.samples.filter((sample) => sampleNames.has(sample.name)) : family.samples;
    if (samples.length === 0) continue;
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`);
    for (const sample of samples) out.push(`${sample.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}\n`);
  }
  return out.join('');
}

function renderLabels(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((key) => `${key}="${escapeLabel(labels[key] ?? '')}"`).join(',')}}`;
}

const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** prometheus_client's floatToGoString: Python's repr, switched to an exponent sooner, as Go does. */
export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  const text = pythonRepr(value);
  const dot = text.indexOf('.');
  if (value > 0 && dot > 6) {
    const mantissa = `${text[0]}.${text.slice(1, dot)}${text.slice(dot + 1)}`.replace(/[0.]+$/, '');
    return `${mantissa}e+0${dot - 1}`;
  }
  return text;
}

/** Python's repr of a float: shortest round-trip digits, fixed notation for exponents -4 to 15. */
function pythonRepr(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (exponent >= digits.length - 1) return `${sign}${digits}${'0'.repeat(exponent - digits.length + 1)}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
