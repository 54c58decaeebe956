import { fail, ok, type Result } from '../lib/result.js';

/**
 * Bounds on a certificate file (`ca.crt`, `tls.crt`) read from outside: a CA rollover keeps
 * two or three CAs in a bundle; more is a mistake or an attack, and parsing thousands of
 * certificates blocks the process for seconds (and answering them back multiplies them).
 */
export const MAX_BUNDLE_BYTES = 256 * 1024;
export const MAX_BUNDLE_CERTIFICATES = 32;

const BEGIN = '-----BEGIN CERTIFICATE-----';

/** `BundleTooLarge` naming `file` when `text` is over either bound; counted without parsing. */
export function checkBundleSize(text: string | Buffer, file: string): Result<void> {
  if (text.length > MAX_BUNDLE_BYTES)
    return fail('BundleTooLarge', `${file} has ${text.length} bytes; at most ${MAX_BUNDLE_BYTES} are read`);
  const source = typeof text === 'string' ? text : text.toString('latin1');
  let count = 0;
  for (let at = source.indexOf(BEGIN); at !== -1; at = source.indexOf(BEGIN, at + BEGIN.length)) count += 1;
  if (count > MAX_BUNDLE_CERTIFICATES) {
    return fail('BundleTooLarge', `${file} holds ${count} certificates; at most ${MAX_BUNDLE_CERTIFICATES} are read`);
  }
  return ok(undefined);
}
