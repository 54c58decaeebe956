/**
 * `text` cut to at most `max` characters by dropping its middle: the start says what it is
 * about, the end often says what was wrong ("... is NaN"). Text from outside (a replica's
 * page, a header) goes into logs and gRPC trailers only through this.
 */
export function abbreviate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ' ... ';
  const tail = Math.floor((max - marker.length) / 4);
  return `${text.slice(0, max - marker.length - tail)}${marker}${text.slice(text.length - tail)}`;
}

/** `text` cut to at most `max` characters, ending in "..." when cut: for quoting a line or a value in a message. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * A value from outside, fit for a log field or a message: a string cut to `max` characters
 * with its length said when cut; a number, boolean or null as it is; an array or object
 * named by its kind and size, never walked (it may be megabytes, or nested deeply).
 */
export function untrusted(value: unknown, max = 100): string | number | boolean | null | undefined {
  if (typeof value === 'string') return value.length > max ? `${clip(value, max)} (${value.length} characters)` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return value;
  if (Array.isArray(value)) return `(an array of ${value.length} items)`;
  return `(${typeof value === 'object' ? 'an object' : `a ${typeof value}`})`;
}
