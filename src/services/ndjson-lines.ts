// An NDJSON file's lines, read from its bytes.
import { isAscii } from 'node:buffer';

/**
 * The lines of `input`, in batches (one per block read that ends a line, and one for a last line without
 * a break), without their line breaks (\n, or \r\n). A newline byte never occurs inside a
 * UTF-8 sequence, so the bytes are cut at newlines and each run of whole lines is decoded on its own:
 * an all-ASCII run (the usual file) as Latin-1, the same text copied instead of decoded.
 */
export async function* ndjsonLines(input: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  // The start of the line that the blocks read so far leave unfinished, in pieces (one copy at its end).
  let partial: Buffer[] = [];
  for await (const block of input) {
    const first = block.indexOf(10);
    if (first === -1) {
      partial.push(Buffer.from(block));
      continue;
    }
    const last = block.lastIndexOf(10);
    const lines: string[] = [];
    partial.push(block.subarray(0, first + 1));
    splitInto(lines, decoded(joined(partial)));
    partial = [];
    if (last > first) splitInto(lines, decoded(block.subarray(first + 1, last + 1)));
    if (last + 1 < block.length) partial.push(Buffer.from(block.subarray(last + 1)));
    yield lines;
  }
  if (partial.length > 0) {
    const lines: string[] = [];
    splitInto(lines, decoded(joined(partial)));
    yield lines;
  }
}

/** The pieces as one buffer, copied only when there are several. */
const joined = (pieces: Buffer[]) => (pieces.length === 1 ? pieces[0] : Buffer.concat(pieces));

const decoded = (bytes: Buffer) => bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');

/** The lines of `text`, which ends with \n or is the file's end. */
function splitInto(lines: string[], text: string): void {
  for (let start = 0; start < text.length; ) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    lines.push(text.slice(start, text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
    start = nl + 1;
  }
}
