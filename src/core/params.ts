/**
 * Request parameters that may appear more than once.
 *
 * RFC 6749 §3.1 and §3.2 forbid repeating a parameter, and Gatehouse refuses every repeat, except
 * for the names in MULTI_VALUED_PARAMETERS, whose own specifications let them repeat: `resource`
 * (RFC 8707 §2, one per target resource) and `audience` (RFC 8693 §2.1). Parsed parameters are
 * still a `ReadonlyMap<string, string>` (each name's first value), so code and tests that build a
 * plain Map keep working; the other values of a multi-valued name are kept beside the map.
 *
 * Read `resource` and `audience` only through allValues: `params.get('resource')` sees the first
 * value alone, and a request naming two resources would silently lose the second.
 */

/** The names that may repeat in a request (RFC 8707 §2 `resource`, RFC 8693 §2.1 `audience`). */
export const MULTI_VALUED_PARAMETERS: readonly string[] = ['resource', 'audience'];

export function isMultiValued(name: string): boolean {
  return MULTI_VALUED_PARAMETERS.includes(name);
}

/**
 * Parameters as a map of each name's first value that also remembers every value of the
 * multi-valued names. Build it with `add` in the order the values arrived.
 */
export class RequestParameters extends Map<string, string> {
  private readonly lists = new Map<string, string[]>();

  /** Adds one value: the first of a name is what `get` answers; a multi-valued name keeps them all. */
  add(name: string, value: string): void {
    if (!this.has(name)) this.set(name, value);
    if (!isMultiValued(name)) return;
    const list = this.lists.get(name);
    if (list) list.push(value);
    else this.lists.set(name, [value]);
  }

  /** Every value of `name`, in the order received. */
  valuesOf(name: string): readonly string[] {
    const list = this.lists.get(name);
    if (list) return list;
    const value = this.get(name);
    return value === undefined ? [] : [value];
  }
}

/**
 * Every value of a multi-valued parameter, in the order received; for a plain Map (built by hand,
 * or restored from a record) its single value, or none.
 */
export function allValues(params: ReadonlyMap<string, string>, name: string): readonly string[] {
  if (params instanceof RequestParameters) return params.valuesOf(name);
  const value = params.get(name);
  return value === undefined ? [] : [value];
}

/** Parameters from [name, value] pairs (values of a multi-valued name may repeat). */
export function parametersFrom(entries: Iterable<readonly [string, string]>): RequestParameters {
  const params = new RequestParameters();
  for (const [name, value] of entries) params.add(name, value);
  return params;
}
