// COPY … FROM STDIN for the bulk write paths (the import's chunks, an ingest of new detections): the
// cheapest way to hand PostgreSQL many rows — no JSON to validate and take apart again, a text
// format the server splits by tab — on postgres.js and on PGlite (which reads one in-memory blob).
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getTableName, type Column, type Table } from 'drizzle-orm';
import type { ReservedSql } from 'postgres';

/** A COPY target, `table (column, …)`, from the schema's references (a renamed column fails to compile). */
export function copyTarget(table: Table, columns: readonly Column[]): string {
  return `${getTableName(table)} (${columns.map((c) => c.name).join(', ')})`;
}

/** COPY text format: backslash, tab, newline and carriage return escaped (NUL is refused before). */
export function copyText(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : s;
}

/**
 * COPY data built line by line into one buffer. Lines are joined 64 at a time and then written: one
 * string of all lines built with += is a tree of ~100,000 pieces that lives until the end (it tripled
 * the garbage collector's share of an ingest), and a buffer write per line costs more than the line.
 */
export class CopyBuffer {
  private buf: Buffer;
  private at = 0;
  private lines = '';
  private pending = 0;

  constructor(expectedBytes: number) {
    this.buf = Buffer.allocUnsafe(expectedBytes + 4096);
  }

  add(line: string): void {
    this.lines += line;
    if (++this.pending === 64) this.flush();
  }

  /** The lines added so far (a view of the buffer). */
  bytes(): Buffer<ArrayBuffer> {
    this.flush();
    return this.buf.subarray(0, this.at) as Buffer<ArrayBuffer>;
  }

  private flush(): void {
    // UTF-16 code units × 3 bound the UTF-8 bytes.
    if (this.buf.length - this.at < this.lines.length * 3) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + this.lines.length * 3));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    this.at += this.buf.write(this.lines, this.at);
    this.lines = '';
    this.pending = 0;
  }
}

/**
 * COPY … FROM STDIN through postgres.js, settling on a server error too. postgres.js 3.4.9 never
 * settles the writable when the server refuses the data after CopyDone (porsager/postgres#1173, fix
 * pending in #1183): the pipeline would hang until idle_in_transaction_session_timeout closed the
 * connection. The server's error still reaches the query's `reject`, so that is where it is caught.
 * And when the server refuses the COPY as it starts (a statement-level trigger), postgres.js destroys
 * the stream with the error in the same turn that hands it over, before anyone listens: the 'error'
 * event would end the process. So the stream gets a listener as it is handed over.
 */
export async function copyIn(tx: ReservedSql, statement: string, lines: Iterable<string | Uint8Array>): Promise<void> {
  const query = tx.unsafe(statement) as unknown as {
    resolve: (value: unknown) => void;
    reject: (err: unknown) => void;
    writable(): Promise<Writable>;
  };
  let fail!: (err: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {}); // raced below; never left unhandled
  const { resolve, reject } = query;
  query.resolve = (value) => {
    if (value instanceof Writable) value.on('error', () => {}); // the error reaches `failed`
    resolve(value);
  };
  query.reject = (err) => {
    fail(err);
    reject(err);
  };
  const stream = await query.writable();
  await Promise.race([pipeline(Readable.from(lines), stream), failed]);
}
