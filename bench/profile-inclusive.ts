// npx tsx bench/profile-inclusive.ts <file.cpuprofile> [regex] [top]
// Inclusive CPU time per function of a profile (npm run bench -- --profile, or node --cpu-prof): the
// time spent in a function and everything it called, which is how "socket writes ~15 %" or "Apollo's
// pipeline ~10 %" are read. bench/profile-summary.ts gives self time per package instead.
import { readFileSync } from 'node:fs';
const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map<number, any>(prof.nodes.map((n: any) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
const dt = prof.timeDeltas; 
prof.samples.forEach((s: number, i: number) => self.set(s, (self.get(s) ?? 0) + (dt[i] ?? 0) / 1000));
const incl = new Map<string, number>();
let total = 0;
for (const [id, ms] of self) {
  const n = byId.get(id);
  if (n.callFrame.functionName === '(idle)') continue;
  total += ms;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur).callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/work\/main\//, '')}:${f.lineNumber}`;
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + ms);
  }
}
console.log('busy', total.toFixed(0));
const pat = process.argv[3] ? new RegExp(process.argv[3]) : null;
[...incl].filter(([k]) => !pat || pat.test(k)).sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[4] ?? 60)).forEach(([k, v]) => console.log((100 * v / total).toFixed(1).padStart(5) + '%', v.toFixed(0).padStart(6), k.slice(0, 140)));
