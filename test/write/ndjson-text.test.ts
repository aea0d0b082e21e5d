// The import reads its file in blocks and decodes each run of whole lines on its own. Wherever the
// blocks split the bytes — inside a multi-byte character, between \r and \n, with no line break for
// several blocks — the text must be what decoding the whole file at once gives, cut only after a \n.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textEndingAtLineBreaks } from '../../src/services/ndjson-text.js';

async function* blocks(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    if (cut > at) yield bytes.subarray(at, cut);
    at = Math.max(at, cut);
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

// Line-ish text: ASCII JSON, accents, emoji, CR/LF, and bytes that are not UTF-8 at all.
const piece = fc.oneof(
  fc.constantFrom('{"a":1}', 'é', '🚗', '\n', '\r\n', '\r', 'x', '中文', ' '),
  fc.string({ unit: 'binary', maxLength: 8 }),
).map((s) => Buffer.from(s));
const invalid = fc.constantFrom(Buffer.from([0xe2, 0x82]), Buffer.from([0xff]), Buffer.from([0xf0, 0x9f, 0x9a]), Buffer.from([0x80]));
const file = fc.array(fc.oneof({ weight: 6, arbitrary: piece }, { weight: 1, arbitrary: invalid }), { maxLength: 60 }).map((parts) => Buffer.concat(parts));

describe('textEndingAtLineBreaks', () => {
  it('gives the whole file decoded at once, in pieces that end at a line break, however the blocks fall', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.array(fc.nat(), { maxLength: 12 }), async (bytes, cuts) => {
        const pieces: string[] = [];
        for await (const text of textEndingAtLineBreaks(blocks(bytes, cuts))) pieces.push(text);
        expect(pieces.join('')).toBe(bytes.toString('utf8'));
        for (const p of pieces.slice(0, -1)) expect(p.endsWith('\n')).toBe(true);
        expect(pieces.every((p) => p.length > 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads an all-ASCII file and one with UTF-8 the same way a decoder would', async () => {
    const ascii = Buffer.from('{"classLabel":"car"}\n{"classLabel":"bus"}');
    const utf8 = Buffer.from('{"classLabel":"vélo"}\n{"classLabel":"🚗"}\n');
    for (const bytes of [ascii, utf8]) {
      const out: string[] = [];
      for await (const t of textEndingAtLineBreaks(blocks(bytes, [3, 17, 20]))) out.push(t);
      expect(out.join('')).toBe(bytes.toString('utf8'));
    }
  });
});
