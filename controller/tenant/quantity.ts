/**
 * Exact arithmetic on Kubernetes resource quantities (`500m`, `16Gi`, `1e3`, `20`), for the
 * tenant-scoped quota: allocations are sums and differences of quantities and must never round
 * the wrong way. Values are held as BigInt nano-units (10⁻⁹), which represents every quantity a
 * ResourceQuota can hold exactly (the apiserver itself keeps at most nano precision).
 */

/** Nano-units per unit. */
const NANO = 1_000_000_000n;

const BINARY: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

/** Decimal SI suffixes as powers of ten. */
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/;

/** Rounds `num / den` up (towards +∞) for positive denominators. */
function divCeil(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den > 0n ? q + 1n : q;
}

/**
 * Parses a quantity into nano-units. Precision below a nano-unit rounds up, as the apiserver does.
 *
 * @example parseQuantity('500m') === 500_000_000n
 * @throws Error if `value` is not a quantity
 */
export function parseQuantity(value: string | number): bigint {
  const text = String(value).trim();
  const m = QUANTITY.exec(text);
  if (m === null) {
    throw new Error(`"${text}" is not a quantity`);
  }
  const [, sign = '', number = '0', suffix = ''] = m;
  const [whole = '0', fraction = ''] = number.split('.');
  const digits = BigInt(`${whole === '' ? '0' : whole}${fraction}`);
  // value = digits × 10^(exp10 − fraction.length) × 2^exp2, in nano-units (× 10⁹).
  let exp10 = 9 - fraction.length;
  let factor = 1n;
  if (suffix in BINARY) {
    factor = BINARY[suffix] ?? 1n;
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    exp10 += Number(suffix.slice(1));
  } else {
    exp10 += DECIMAL[suffix] ?? 0;
  }
  const scaled =
    exp10 >= 0
      ? digits * factor * 10n ** BigInt(exp10)
      : divCeil(digits * factor, 10n ** BigInt(-exp10));
  return sign === '-' ? -scaled : scaled;
}

/**
 * Formats nano-units with the largest decimal unit that keeps the value exact: `2`, `1500m`,
 * `250u`, `7n`. The apiserver may store a different spelling of the same value; compare with
 * {@link parseQuantity}, never as strings.
 */
export function formatQuantity(nanos: bigint): string {
  if (nanos % NANO === 0n) return String(nanos / NANO);
  if (nanos % 1_000_000n === 0n) return `${nanos / 1_000_000n}m`;
  if (nanos % 1_000n === 0n) return `${nanos / 1_000n}u`;
  return `${nanos}n`;
}

/**
 * The coarsest granularity (whole units, milli or nano) that divides every value: a budget of
 * `count/configmaps` is split in whole objects, `requests.cpu: 1500m` in millicores.
 */
export function granularityOf(values: readonly bigint[]): bigint {
  for (const g of [NANO, 1_000_000n]) {
    if (values.every((v) => v % g === 0n)) return g;
  }
  return 1n;
}

/** A resource list (`hard`, `used`) in nano-units. */
export type ResourceAmounts = Readonly<Record<string, bigint>>;

/**
 * Parses a resource list, skipping nothing: a value that is not a quantity throws.
 *
 * @throws Error naming the resource whose value is invalid
 */
export function parseResourceList(
  list: Readonly<Record<string, string | number>> | undefined,
): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [name, value] of Object.entries(list ?? {})) {
    try {
      out[name] = parseQuantity(value);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

/** Formats a resource list for a ResourceQuota `hard`. */
export function formatResourceList(amounts: ResourceAmounts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(amounts).sort()) {
    out[name] = formatQuantity(amounts[name] ?? 0n);
  }
  return out;
}

/** True when both lists hold the same resources with equal values (spelling ignored). */
export function resourceListsEqual(
  a: Readonly<Record<string, string | number>> | undefined,
  b: Readonly<Record<string, string | number>> | undefined,
): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  return ka.every((k) => {
    const va = a?.[k];
    const vb = b?.[k];
    return va !== undefined && vb !== undefined && quantitiesEqual(va, vb);
  });
}

/** True when two quantities are equal in value; an unparsable one equals only the same text. */
export function quantitiesEqual(a: string | number, b: string | number): boolean {
  try {
    return parseQuantity(a) === parseQuantity(b);
  } catch {
    return String(a) === String(b);
  }
}
