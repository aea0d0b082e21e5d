// Preloaded (--require) by bench/heap-pair.ts into a server: SIGUSR2 starts V8's sampling heap profiler,
// counting objects the collector has since freed too (a request's garbage is what it allocated); the next
// SIGUSR2 writes the profile's tree to HEAP_PROFILE_OUT (whole, then renamed: the reader waits for it).
const inspector = require('node:inspector');
const { renameSync, writeFileSync } = require('node:fs');

const out = process.env.HEAP_PROFILE_OUT;
if (!out) throw new Error('bench/heap-sampler.cjs needs HEAP_PROFILE_OUT');
const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.enable', () =>
      session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
    );
    return;
  }
  sampling = false;
  session.post('HeapProfiler.stopSampling', (err, result) => {
    writeFileSync(`${out}.part`, JSON.stringify(err ? { error: err.message } : { head: result.profile.head }));
    renameSync(`${out}.part`, out);
  });
});
