// The key form of a request's values (variables as JSON.parse gives them), for memo and cache keys: an
// encoding no two different values share. Object keys are sorted at every depth, so `{a, b}` and
// `{b, a}` encode the same. Numbers JSON cannot write are written apart: JSON.stringify writes ±Infinity
// (what JSON.parse makes of `1e400`) as `null`, so a value GraphQL refuses shared the key of an accepted
// one, and -0 as `0`.
export function canonicalJson(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
