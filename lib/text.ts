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
