// Preloaded (--require) by bench/promise-count.ts into a server: counts every promise V8 makes (with this
// hook installed, one more per `await`) and every call of process.nextTick through the process object. The first SIGUSR2 writes the counts to PROMISE_COUNT_OUT and starts
// sampling one promise in five with its creation site (three frames); each later SIGUSR2 writes the
// counts and the sites so far (whole, then renamed: the reader waits for it).
const { promiseHooks } = require('node:v8');
const { renameSync, writeFileSync } = require('node:fs');

const out = process.env.PROMISE_COUNT_OUT;
if (!out) throw new Error('bench/promise-counter.cjs needs PROMISE_COUNT_OUT');
let promises = 0;
let ticks = 0;
let sampling = false;
const sites = new Map();
promiseHooks.onInit(() => {
  promises++;
  if (!sampling || Math.random() >= 0.2) return;
  const site = new Error().stack
    .split('\n')
    .slice(2, 5)
    .map((l) => l.trim().replace(/^at /, '').replace(/^(.*) \((.+)\)$/, '$1 $2').replace(/(file:\/\/)?\/\S*?\/(?=(src|bench|node_modules)\/)/, ''))
    .join(' < ');
  sites.set(site, (sites.get(site) ?? 0) + 5);
});
const nextTick = process.nextTick;
process.nextTick = function (...args) {
  ticks++;
  return nextTick.apply(this, args);
};
process.on('SIGUSR2', () => {
  writeFileSync(`${out}.part`, JSON.stringify({ promises, ticks, sites: [...sites] }));
  renameSync(`${out}.part`, out);
  sampling = true;
});
