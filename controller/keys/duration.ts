/**
 * Durations and times as Bitnami's controller flags spell them: Go durations (`720h`, `1h30m`,
 * `90s`, `0`) for `--key-renew-period` and `--key-ttl`, RFC 1123 with a numeric zone for
 * `--key-cutoff-time`.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration (`time.ParseDuration`: `300ms`, `1.5h`, `2h45m`) or a bare number, which
 * counts as **hours** (so `--key-renew-period=720` works as it reads). `0` is zero.
 *
 * @returns milliseconds
 * @throws Error for anything else, including negative durations
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return hoursToMs(text, String(text));
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return hoursToMs(Number(s), s);
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) {
    throw new Error(`invalid duration "${text}": use Go syntax such as 720h, 1h30m or 90s`);
  }
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  }
  return Math.round(total);
}

function hoursToMs(hours: number, text: string): number {
  if (!Number.isFinite(hours) || hours < 0) {
    throw new Error(`invalid duration "${text}": must be zero or positive`);
  }
  return Math.round(hours * 3_600_000);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Parses Go's `time.RFC1123Z` layout, `Mon, 02 Jan 2006 15:04:05 -0700`, the format of Bitnami's
 * `--key-cutoff-time`. ISO 8601 (`2006-01-02T15:04:05Z`) is accepted too.
 *
 * @throws Error if the text is neither
 */
export function parseCutoffTime(text: string): Date {
  const m =
    /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(
      text.trim(),
    );
  if (m !== null) {
    const month = MONTHS.indexOf(m[2] ?? '');
    const [day, year, hh, mm, ss, zh, zm] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map(Number);
    if (month >= 0) {
      const offsetMs = ((zh ?? 0) * 60 + (zm ?? 0)) * 60_000 * (m[7] === '-' ? -1 : 1);
      return new Date(Date.UTC(year ?? 0, month, day, hh, mm, ss) - offsetMs);
    }
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(text.trim())) {
    const d = new Date(text.trim());
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new Error(
    `invalid --key-cutoff-time "${text}": use RFC 1123 with a numeric zone, e.g. "Mon, 02 Jan 2006 15:04:05 -0700"`,
  );
}
