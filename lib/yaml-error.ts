import type { YAMLError } from 'yaml';

/**
 * A YAML parse error in one line: where it is, what is wrong, and the line as written.
 * The yaml library's own message ends in "at line L, column C:" followed by a drawing of the
 * context over several lines, which a one-line log or error message would cut after the colon.
 */
export function describeYamlError(error: YAMLError, text: string): string {
  const what = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  if (!position) return what;
  const line = text.split(/\r?\n/)[position.line - 1];
  const quoted =
    line === undefined || line.trim() === ''
      ? ''
      : ` (the line reads ${JSON.stringify(line.length > 80 ? `${line.slice(0, 77)}...` : line)})`;
  return `line ${position.line}, column ${position.col}: ${what}${quoted}`;
}
