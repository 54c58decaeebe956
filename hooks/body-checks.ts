/**
 * Checks on a hook request's raw bytes, made before the body is parsed, so that nothing
 * recursive (JSON.stringify in a message, a schema walk, a logger) ever sees a value nested
 * deeper than the process can walk. Real hook requests are shallow: an InferenceSet or a
 * Workspace with its managedFields, inside Metacontroller's maps, nests about 25 levels.
 */

/** Deepest nesting of arrays and objects a hook body may have. */
export const MAX_BODY_DEPTH = 100;

/**
 * The offset of the first `[` or `{` that opens level `max + 1`, or undefined when the text
 * never nests deeper than `max`. Brackets inside JSON strings do not count. Linear, no
 * recursion; bytes that do not make JSON are left for the parser to refuse.
 */
export function tooDeepAt(body: Uint8Array, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < body.length; index += 1) {
    const byte = body[index];
    if (inString) {
      if (byte === BACKSLASH) index += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth += 1;
      if (depth > max) return index;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** The error type body-parser passes on for a body nested too deeply. */
export const TOO_DEEP = 'entity.too.deep';

/**
 * For express.json's `verify`: refuses a body nested deeper than `max` with an error that
 * carries a 400 status, which body-parser keeps, and the type the app's error handler
 * answers with reason `BodyTooDeep`.
 */
export function refuseDeepBodies(max: number) {
  return (_request: unknown, _response: unknown, body: Buffer): void => {
    const offset = tooDeepAt(body, max);
    if (offset === undefined) return;
    const error = new Error(`request body nests arrays and objects more than ${max} levels deep (at byte ${offset})`);
    throw Object.assign(error, { status: 400, type: TOO_DEEP, expose: true });
  };
}
