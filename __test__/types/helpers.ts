// Type-level assertions for the type tests. Nothing here runs: the tests are
// only compiled (`tsc -p __test__/types`).

/**
 * `true` when A and B are the same type: same members, same optionality,
 * same `readonly`. Stricter than mutual assignability, which would let an
 * optional member present on one side only go unnoticed.
 */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

/** Compiles only when T is `true`: `type _ = Assert<Equals<A, B>>`. */
export type Assert<T extends true> = T

/**
 * The fields that differ between A and B: on one side only, or on both with
 * another type, optionality or `readonly`. `never` when A and B agree.
 */
export type DifferingKeys<A, B> =
  | Exclude<keyof A, keyof B>
  | Exclude<keyof B, keyof A>
  | { [K in keyof A & keyof B]: Equals<Pick<A, K>, Pick<B, K>> extends true ? never : K }[keyof A & keyof B]

/**
 * Compiles only when K is `never`: `type _ = NoDifference<DifferingKeys<A, B>>`
 * fails naming the fields that differ ("Type '"pid"' does not satisfy the
 * constraint 'never'").
 */
export type NoDifference<K extends never> = K

/**
 * `exactly<Expected>()(value)` compiles only when the value's type is exactly
 * `Expected` (not a subtype, not a supertype, not `any`).
 */
export declare function exactly<Expected>(): <Actual>(
  value: Actual,
  ...mismatch: Equals<Expected, Actual> extends true ? [] : [expected: Expected, actual: Actual]
) => void
