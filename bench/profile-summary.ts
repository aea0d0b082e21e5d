// npx tsx bench/profile-summary.ts <file.cpuprofile> [--top N]
// Where a server's CPU time went (profiles from `npm run bench -- --profile`, i.e. node --cpu-prof):
// self time per package (graphql-js, postgres.js, Apollo, express, our src/, V8 builtins such as
// JSON.stringify, GC) and the hottest functions. Idle time is left out.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string, fn: string): string {
  if (!url) {
    if (fn.startsWith('(')) return fn; // (garbage collector), (program), (idle)
    return `builtin`;
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes('/src/')) return `truthgraph ${url.slice(url.indexOf('/src/') + 1)}`;
  if (url.startsWith('node:')) return 'node core';
  return url.split('/').slice(-2).join('/');
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (!positionals[0]) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top N]');
  process.exit(2);
}
const profile: Profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
let total = 0;
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const { functionName, url, lineNumber } = n.callFrame;
  if (functionName === '(idle)') continue;
  total += us;
  const pkg = packageOf(url, functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const key = `${functionName || '(anonymous)'}  ${pkg}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(`busy CPU time: ${(total / 1000).toFixed(0)} ms (idle excluded)\n\nself time by package:`);
for (const [k, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${k}`);
console.log(`\nhottest functions (self time):`);
for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${pct(us)}  ${k}`);
