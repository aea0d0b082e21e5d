// Preloaded (node --expose-externalize-string --import) into a server that
// test/graphql/one-byte-answers.test.ts runs: writes one line to stderr for each GraphQL answer
// JSON.stringify makes, saying whether V8 built it as a one-byte string.
import { writeSync } from 'node:fs';

const isOneByteString = (globalThis as { isOneByteString?: (s: string) => boolean }).isOneByteString;
if (!isOneByteString) throw new Error('one-byte-hook needs node --expose-externalize-string');
const stringify = JSON.stringify;
JSON.stringify = function (this: JSON, value: unknown, ...rest: unknown[]) {
  const out = (stringify as (...a: unknown[]) => string).call(this, value, ...rest);
  if (value && typeof value === 'object' && 'data' in value && typeof out === 'string') {
    writeSync(2, isOneByteString(out) ? 'answer one-byte\n' : `answer two-byte ${out.slice(0, 100)}\n`);
  }
  return out;
} as typeof JSON.stringify;
