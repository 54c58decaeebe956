/**
 * What a decision returns: a value, or a problem a user can act on.
 * `reason` is a stable CamelCase code (alerts and tests match on it);
 * `message` says what was wrong and how to fix it.
 */
export interface Problem {
  readonly reason: string;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = <T = never>(reason: string, message: string): Result<T> => ({
  ok: false,
  problem: { reason, message },
});
