import type { MissingReason } from '../../scaler/measure.js';
import type { Behaviour } from '../support/hostile-targets.js';

/** What the `sum` aggregation makes of one hostile replica. */
export type HostileExpectation =
  /** A reading: the replica counts with this value. */
  | { readonly value: number }
  /** No sample, for this reason (and a detail matching `detail`). */
  | { readonly missing: MissingReason; readonly detail?: RegExp }
  /** The family cannot be summed: the whole call is refused (INVALID_ARGUMENT). */
  | { readonly unsupported: true };

export interface HostileEntry {
  readonly behaviour: Behaviour;
  /** The fault as the tables of docs/reliability.md name it. */
  readonly fault: string;
  readonly expect: HostileExpectation;
}

/** Every hostile replica of test/support/hostile-targets.ts, and what the scaler makes of it. */
export const HOSTILE_CATALOGUE: readonly HostileEntry[] = [
  { behaviour: 'refused', fault: 'connection refused', expect: { missing: 'Unreachable', detail: /^connection refused$/ } },
  { behaviour: 'silent', fault: 'accepts the connection, never answers', expect: { missing: 'Timeout' } },
  { behaviour: 'drip', fault: 'headers, then a body dripping one byte a second', expect: { missing: 'Timeout' } },
  { behaviour: 'huge-declared', fault: 'a declared body larger than the cap', expect: { missing: 'TooLarge' } },
  { behaviour: 'endless-chunked', fault: 'an endless chunked body', expect: { missing: 'TooLarge' } },
  { behaviour: 'near-cap', fault: 'a page just under the cap', expect: { value: 4 } },
  { behaviour: 'gzip-bomb', fault: 'an unsolicited gzip body (1 GiB inflated)', expect: { missing: 'ContentEncoding' } },
  { behaviour: 'status-500', fault: 'HTTP 500', expect: { missing: 'HttpStatus', detail: /^HTTP 500$/ } },
  { behaviour: 'status-404', fault: 'HTTP 404', expect: { missing: 'HttpStatus', detail: /^HTTP 404$/ } },
  { behaviour: 'status-429', fault: 'HTTP 429 with Retry-After', expect: { missing: 'HttpStatus', detail: /^HTTP 429$/ } },
  { behaviour: 'redirect', fault: 'a redirect to another host', expect: { missing: 'Redirect', detail: /redirects are not followed/ } },
  { behaviour: 'html', fault: 'an HTML page', expect: { missing: 'FamilyAbsent' } },
  { behaviour: 'binary-body', fault: 'binary garbage as the body', expect: { missing: 'FamilyAbsent' } },
  { behaviour: 'not-http', fault: 'binary garbage instead of HTTP', expect: { missing: 'BadResponse' } },
  { behaviour: 'huge-headers', fault: 'response headers over 16 KiB', expect: { missing: 'BadResponse', detail: /HPE_HEADER_OVERFLOW/ } },
  {
    behaviour: 'malformed-in-family',
    fault: 'a malformed line of the family',
    expect: { missing: 'ParseError', detail: /label set is not closed/ },
  },
  { behaviour: 'malformed-elsewhere', fault: 'a malformed line of another family', expect: { value: 3 } },
  {
    behaviour: 'quadratic-labels',
    fault: 'a label set of a quarter-million spaces and a stray character',
    expect: { missing: 'ParseError' },
  },
  { behaviour: 'quadratic-value', fault: 'a value of a quarter-million digits and a stray character', expect: { missing: 'ParseError' } },
  { behaviour: 'nan', fault: 'a NaN series', expect: { missing: 'NotFinite', detail: /is NaN$/ } },
  { behaviour: 'plus-inf', fault: 'a +Inf series', expect: { missing: 'NotFinite', detail: /is Infinity$/ } },
  { behaviour: 'minus-inf', fault: 'a -Inf series', expect: { missing: 'NotFinite', detail: /is -Infinity$/ } },
  { behaviour: 'nan-huge-labels', fault: 'a NaN series with a quarter-megabyte label', expect: { missing: 'NotFinite' } },
  { behaviour: 'negative', fault: 'a negative value', expect: { value: -5 } },
  { behaviour: 'huge-value', fault: 'two series of 1e308', expect: { value: Number.MAX_VALUE } },
  {
    behaviour: 'duplicate-series',
    fault: 'the same series twice',
    expect: { missing: 'ParseError', detail: /the same series appears twice/ },
  },
  { behaviour: 'histogram', fault: 'the family typed as a histogram', expect: { unsupported: true } },
  { behaviour: 'empty', fault: 'an empty body', expect: { missing: 'FamilyAbsent' } },
  { behaviour: 'reset-mid-body', fault: 'a connection reset mid-body', expect: { missing: 'Unreachable' } },
];
