// Time-ordered ids (UUID version 7, RFC 9562): 48 bits of Unix milliseconds, then random bits. Rows
// the server creates get these, so each batch lands at the right-hand end of the primary-key index
// (a few adjacent leaf pages) instead of one random leaf page per row.
import { randomFillSync } from 'node:crypto';

const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function format(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += hex[b[o + i]];
  }
  return s;
}

/** `n` (≤ 262,144) version-7 uuids of the current millisecond, in ascending order. */
export function uuidv7Batch(n: number, now = Date.now()): string[] {
  const bytes = new Uint8Array(16 * n);
  randomFillSync(bytes);
  const out: string[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const o = 16 * k;
    let ms = now;
    for (let i = 5; i >= 0; i--) {
      bytes[o + i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    // Version 7, then an 18-bit counter (the 12 bits of rand_a and 6 after the variant) so the ids of
    // a batch (up to 262,144) sort in creation order; 56 random bits keep processes apart.
    bytes[o + 6] = 0x70 | ((k >> 14) & 0x0f);
    bytes[o + 7] = (k >> 6) & 0xff;
    bytes[o + 8] = 0x80 | (k & 0x3f);
    out[k] = format(bytes, o);
  }
  return out;
}

export function uuidv7(now = Date.now()): string {
  return uuidv7Batch(1, now)[0];
}
