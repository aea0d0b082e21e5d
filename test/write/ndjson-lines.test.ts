// The import reads its file in blocks and cuts the bytes at newlines before decoding them. Wherever the
// blocks split the bytes — inside a multi-byte character, between \r and \n, with no line break for
// several blocks — the lines must be those a streaming UTF-8 decoder and a split at \n give (the way the
// import read files before), invalid UTF-8 included.
import { StringDecoder } from 'node:string_decoder';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ndjsonLines } from '../../src/services/ndjson-lines.js';

function blocksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    if (cut > at) out.push(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  if (at < bytes.length) out.push(bytes.subarray(at));
  return out;
}

async function* stream(blocks: Buffer[]): AsyncGenerator<Buffer> {
  yield* blocks;
}

/** The lines as the import read them before: a streaming decoder, a split at \n, a trailing \r dropped. */
function reference(blocks: Buffer[]): string[] {
  const lines: string[] = [];
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for (const block of blocks) {
    const text = rest + decoder.write(block);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      lines.push(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.length) lines.push(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  return lines;
}

// Line-ish bytes: ASCII JSON, accents, emoji, CR/LF, blank lines, a BOM, arbitrary bytes and invalid
// UTF-8 (truncated, overlong, surrogate, bad lead bytes, lone continuation bytes).
const text = fc.constantFrom('{"a":1}', 'é', '🚗', '\n', '\n\n', '\r\n', '\r', 'x', '中文', ' ', '\ufeff').map((s) => Buffer.from(s));
const invalid = fc
  .constantFrom([0xe2, 0x82], [0xff], [0xf0, 0x9f, 0x9a], [0x80], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf5, 0x80], [0xf6, 0x9b], [0xef, 0xbb, 0xbf])
  .map((b) => Buffer.from(b));
const anyBytes = fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b));
const file = fc
  .array(fc.oneof({ weight: 6, arbitrary: text }, { weight: 2, arbitrary: invalid }, { weight: 1, arbitrary: anyBytes }), { maxLength: 60 })
  .map((parts) => Buffer.concat(parts));

describe('ndjsonLines', () => {
  it('gives the lines a streaming decoder and a split at \\n give, however the blocks fall', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.array(fc.nat(), { maxLength: 12 }), async (bytes, cuts) => {
        const blocks = blocksOf(bytes, cuts);
        const lines: string[] = [];
        for await (const batch of ndjsonLines(stream(blocks))) lines.push(...batch);
        expect(lines).toEqual(reference(blocks));
      }),
      { numRuns: 3000 },
    );
  });
});
