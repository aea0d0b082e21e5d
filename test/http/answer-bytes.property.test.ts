// An answer's bytes (src/http/answer-bytes.ts) are exactly Buffer.from(json + '\n'), for any text: a
// buffer written short of its length would send memory allocUnsafe did not clear.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerBytes } from '../../src/http/answer-bytes.js';

describe('answerBytes', () => {
  it('equals the text and a newline encoded as UTF-8, lone surrogates included', () => {
    // 'binary' units are any UTF-16 code unit, so unpaired surrogates come too.
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.json());
    fc.assert(
      fc.property(text, (json) => {
        expect(answerBytes(json).equals(Buffer.from(json + '\n', 'utf8'))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('holds past the size Buffer.allocUnsafe serves from its pool', () => {
    const json = JSON.stringify({ data: 'é🚗\ud83d'.repeat(5000) });
    expect(answerBytes(json).equals(Buffer.from(json + '\n', 'utf8'))).toBe(true);
  });
});
