// A few checks composed into schemas for the messages between the extension and its webviews.
// Each side validates what it receives: a webview is a separate page, and the extension must not
// act on a message it did not design (nor the page draw one). The phantom type ties a schema to the
// TypeScript type it checks, so that a field added to a message type without its check does not
// compile. No dependencies: this file is bundled into the webview scripts too.

/** Null when `value` is valid, else what is wrong with it and where. */
export interface Schema<T> {
  (value: unknown, path: string): string | null;
  /** Never set: carries T for {@link Infer}. */
  readonly type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function schema<T>(check: (value: unknown, path: string) => string | null): Schema<T> {
  return check as Schema<T>;
}

export const num = schema<number>((v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : `${p}: expected a number`));
export const int = schema<number>((v, p) => (Number.isSafeInteger(v) ? null : `${p}: expected an integer`));
export const str = schema<string>((v, p) => (typeof v === 'string' ? null : `${p}: expected a string`));
export const bool = schema<boolean>((v, p) => (typeof v === 'boolean' ? null : `${p}: expected a boolean`));

export function literal<const T extends string>(...values: T[]): Schema<T> {
  return schema<T>((v, p) => (values.includes(v as T) ? null : `${p}: expected one of ${values.join(', ')}`));
}

/** An integer in [min, max]. */
export function range(min: number, max: number): Schema<number> {
  return schema<number>((v, p) => int(v, p) ?? ((v as number) >= min && (v as number) <= max ? null : `${p}: expected ${min}..${max}`));
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return schema<T | null>((v, p) => (v === null ? null : inner(v, p)));
}

export function arrayOf<T>(item: Schema<T>, length?: number): Schema<T[]> {
  return schema<T[]>((v, p) => {
    if (!Array.isArray(v)) return `${p}: expected an array`;
    if (length !== undefined && v.length !== length) return `${p}: expected ${length} items, got ${v.length}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return null;
  });
}

export function tuple<A, B>(a: Schema<A>, b: Schema<B>): Schema<[A, B]>;
export function tuple<A, B, C>(a: Schema<A>, b: Schema<B>, c: Schema<C>): Schema<[A, B, C]>;
export function tuple(...items: Schema<unknown>[]): Schema<unknown[]> {
  return schema<unknown[]>((v, p) => {
    if (!Array.isArray(v) || v.length !== items.length) return `${p}: expected ${items.length} items`;
    for (let i = 0; i < items.length; i++) {
      const problem = items[i](v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return null;
  });
}

type Shape = Record<string, Schema<unknown>>;
type ObjectOf<S extends Shape> = { [K in keyof S]: Infer<S[K]> };

/** An object with exactly these fields (extra fields are refused: they are not part of the protocol). */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return schema<ObjectOf<S>>((v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p}: expected an object`;
    for (const key of Object.keys(v)) {
      if (!(key in shape)) return `${p}.${key}: unexpected field`;
    }
    for (const key of keys) {
      const problem = shape[key]((v as Record<string, unknown>)[key], `${p}.${key}`);
      if (problem) return problem;
    }
    return null;
  });
}

/** One of several objects told apart by their `type` field. */
export function tagged<U extends { type: string }>(variants: { [K in U['type']]: Schema<Extract<U, { type: K }>> }): Schema<U> {
  const table = variants as Record<string, Schema<unknown>>;
  return schema<U>((v, p) => {
    const type = typeof v === 'object' && v !== null ? (v as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(table, type)) return `${p}.type: expected one of ${Object.keys(table).join(', ')}`;
    return table[type](v, p);
  });
}

/** The value typed as T when it passes, else the problem. */
export function parse<T>(s: Schema<T>, value: unknown, what: string): { ok: true; value: T } | { ok: false; problem: string } {
  const problem = s(value, what);
  return problem ? { ok: false, problem } : { ok: true, value: value as T };
}
