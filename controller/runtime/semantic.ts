/**
 * Semantic equality of JSON values: what "the same object" means to the apiserver, not to `===`.
 */

type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keys whose value is not `undefined`: `{a: undefined}` and `{}` serialise identically. */
function definedKeys(o: Record<string, Json>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

/**
 * Deep equality for JSON-like values: object key order is ignored, keys holding `undefined` count
 * as absent (JSON has no `undefined`), arrays compare in order, `Date`s compare by time.
 */
export function semanticEqual(a: Json, b: Json): boolean {
  if (a === b) {
    return true;
  }
  if (a instanceof Date || b instanceof Date) {
    return toTime(a) !== undefined && toTime(a) === toTime(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => semanticEqual(v, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = definedKeys(a);
    const kb = definedKeys(b);
    return ka.length === kb.length && ka.every((k) => semanticEqual(a[k], b[k]));
  }
  return false;
}

function toTime(v: Json): number | undefined {
  if (v instanceof Date) {
    return v.getTime();
  }
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** True for `undefined`, `null`, `{}` and `[]`: values that set nothing when applied. */
export function isEmptyValue(v: Json): boolean {
  if (v === undefined || v === null) {
    return true;
  }
  if (Array.isArray(v)) {
    return v.length === 0;
  }
  return isPlainObject(v) && definedKeys(v).length === 0;
}

/**
 * True when every field set in `desired` has the same value in `actual`; fields only in
 * `actual` (server defaults, other managers' fields) are ignored. Objects recurse; arrays must
 * have the same length and match element by element, each element compared the same way (so
 * defaulted fields inside list items do not count as drift). An empty map in `desired` sets no
 * field and matches anything map-shaped or absent; an empty list matches only an empty or absent
 * list (applying `[]` to an atomic list clears it).
 */
export function isSubset(desired: Json, actual: Json): boolean {
  if (desired === undefined) {
    return true;
  }
  if (Array.isArray(desired) && desired.length === 0) {
    return isEmptyValue(actual);
  }
  if (isPlainObject(desired)) {
    // An empty map sets no field, so any actual value (or none) matches it.
    if (definedKeys(desired).length === 0) {
      return actual === undefined || actual === null || isPlainObject(actual);
    }
    return (
      isPlainObject(actual) &&
      definedKeys(desired).every((k) => isSubsetField(desired[k], actual[k]))
    );
  }
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      desired.length === actual.length &&
      desired.every((v, i) => isSubset(v, actual[i]))
    );
  }
  return semanticEqual(desired, actual);
}

function isSubsetField(desired: Json, actual: Json): boolean {
  // An explicit null in an apply body asks for the field to be absent.
  if (desired === null) {
    return actual === undefined || actual === null;
  }
  return isSubset(desired, actual);
}
