// What an object literal that starts with a spread and goes on (`{ ...a, b }`) costs on this Node,
// against the two forms src/ uses instead (test/ops/map-churn.test.ts): the spread last
// (`{ b, ...a }`, when no key can collide) and Object.assign (`Object.assign({}, a, { b })`, when `b`
// must win). On Node 20 (V8 11.3) the first form gives each object a prototype map, and every member
// after the spread a fresh map of its own (docs/benchmarks.md).
// Usage: npx tsx bench/object-spread.ts [objects=1000000]
const objects = Number(process.argv[2] ?? 1_000_000);

const parentValues = (id: string) => ({ parent: id });
const forms: Record<string, (id: string) => { limit: number }> = {
  'spread first': (id) => ({ ...parentValues(id), status: null, ts: null, id: null, limit: 51 }),
  'spread last': (id) => ({ status: null, ts: null, id: null, limit: 51, ...parentValues(id) }),
  'Object.assign': (id) => Object.assign({}, parentValues(id), { status: null, ts: null, id: null, limit: 51 }),
};

console.log(`| form | ns per object, round 1 | round 2 |\n|---|---|---|`);
const rows = new Map<string, string[]>();
for (let round = 0; round < 2; round++) {
  for (const [name, make] of Object.entries(forms)) {
    let sum = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < objects; i++) sum += make(`p${i & 7}`).limit;
    const ns = Number(process.hrtime.bigint() - started) / objects;
    if (sum !== 51 * objects) throw new Error('unexpected sum');
    rows.set(name, [...(rows.get(name) ?? []), ns.toFixed(0)]);
  }
}
for (const [name, [a, b]] of rows) console.log(`| ${name} | ${a} | ${b} |`);
