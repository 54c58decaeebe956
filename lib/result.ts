/**
 * What a decision returns: a value, or a problem a user can act on. Every boundary that can
 * fail says so with this one type, narrowing the problem to its own reasons where it has them
 * (`Result<Body, Problem<ScrapeFailure>>`, `Result<Response, RpcFailure>`).
 */

/**
 * `reason` is a stable CamelCase code (alerts and tests match on it); a boundary declares its
 * codes once, as a const list, and narrows `R` to them. `message` says what was wrong and how to fix it.
 */
export interface Problem<R extends string = string> {
  readonly reason: R;
  readonly message: string;
}

export type Result<T, P extends Problem = Problem> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: P };

export const ok = <T, P extends Problem = Problem>(value: T): Result<T, P> => ({ ok: true, value });

export const fail = <T = never, R extends string = string>(reason: R, message: string): Result<T, Problem<R>> => ({
  ok: false,
  problem: { reason, message },
});

/** A failure whose problem carries more than a reason and a message (a gRPC status, say). */
export const failWith = <P extends Problem, T = never>(problem: P): Result<T, P> => ({ ok: false, problem });
