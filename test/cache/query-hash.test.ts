// The query-text hash memo (src/cache/cache-key.ts) answers sha256 of any text, the empty one included
// (lru-cache refuses an entry of size 0), for short texts kept and long ones hashed every time.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { queryHashOf } from '../../src/cache/cache-key.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

it('is the sha256 of the text, asked once or twice, for any text', () => {
  expect(queryHashOf('')).toBe(sha256(''));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ minLength: 8190, maxLength: 8200 }), fc.string({ unit: 'binary' })), (text) => {
      expect(queryHashOf(text)).toBe(sha256(text));
      expect(queryHashOf(text)).toBe(sha256(text));
    }),
    { numRuns: 200 },
  );
});
