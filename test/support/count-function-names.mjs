// Loaded with `node --import` before tsx: counts Object.defineProperty(fn, 'name', …) — what tsx's
// keepNames transform runs (`__name`) each time a named closure is created — by the source file
// that created the closure. test/http/hit-path-names.test.ts reads the tally.
const define = Object.defineProperty;
const byFile = new Map();
globalThis.functionNameDefines = byFile;
Object.defineProperty = function (target, key, descriptor) {
  if (typeof target === 'function' && key === 'name') {
    // Frames: this wrapper, __name, then the code that made the closure.
    const frames = (new Error().stack ?? '').split('\n').slice(1);
    const caller = frames.find((f) => !f.includes('count-function-names') && !/\b__name\b/.test(f)) ?? 'unknown';
    const file = /\((?:file:\/\/)?([^():]+)/.exec(caller)?.[1] ?? /at (?:file:\/\/)?([^():]+)/.exec(caller)?.[1] ?? caller.trim();
    byFile.set(file, (byFile.get(file) ?? 0) + 1);
  }
  return define.call(this, target, key, descriptor);
};
