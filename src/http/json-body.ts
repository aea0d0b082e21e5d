// The JSON body of a GraphQL POST. The usual request — `application/json` with a Content-Length within
// the limit, no content encoding — is read and parsed here; body-parser's generic path (content-type
// matching, charset lookup, raw-body, on-finished) cost ~4 % of a small read's CPU.
// Everything else, and any body this parse does not accept, goes through express.json itself (a body
// already read is replayed to it), so every answer and error stays body-parser's, byte for byte.
import { Readable } from 'node:stream';
import express from 'express';
import type { Step, StepRequest } from './step.js';

const plainJson = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** BODY_LIMIT (`10mb`, `512kb`, `1000b`, as config.ts accepts it) in bytes, as body-parser reads it. */
export function bodyLimitBytes(limit: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(limit);
  if (!m) throw new Error(`BODY_LIMIT must be a size like 10mb, 512kb or 1000b, but got: ${limit}`);
  const unit = m[2].toLowerCase();
  return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

/** Where the read step leaves a plain JSON body for the parse step (and, before it, the cache's known step). */
const textOf = Symbol('json body text');
const bytesOf = Symbol('json body bytes');
interface Stash {
  [textOf]?: string;
  [bytesOf]?: Buffer;
}

/** The text of a plain JSON body the read step took, until the parse step; else undefined. */
export function jsonBodyText(req: object): string | undefined {
  return (req as Stash)[textOf];
}

/**
 * Two steps: `read` takes a plain JSON body's text, `parse` sets req.body from it (and lets the text go,
 * so a large write's text does not live as long as its request). Between them a step may answer from
 * the text alone (the response cache's known requests).
 */
export function jsonBody(limit: string): { read: Step; parse: Step } {
  const max = bodyLimitBytes(limit);
  const generic = express.json({ limit });
  const readStep: Step = (req, res, next) => {
    const h = req.headers;
    const type = h['content-type'];
    const length = h['content-length'];
    const n = length === undefined ? NaN : Number(length);
    if (
      type === undefined ||
      !plainJson.test(type) ||
      h['transfer-encoding'] !== undefined ||
      h['content-encoding'] !== undefined ||
      !(Number.isInteger(n) && n > 0 && n <= max)
    ) {
      generic(req, res, next);
      return;
    }
    // Listeners are members, not variables: tsx would name each closure bound to a variable, with a
    // defineProperty call per request (test/http/hit-path-names.test.ts).
    const read: BodyRead = { chunks: [], done: false, onData: noop, onEnd: noop, onAbort: noop };
    read.onData = (chunk: Buffer) => {
      read.chunks.push(chunk);
    };
    read.onEnd = () => {
      if (!finish(req, read)) return;
      const buf = read.chunks.length === 1 ? read.chunks[0] : Buffer.concat(read.chunks);
      const stash = req as Stash;
      stash[bytesOf] = buf;
      stash[textOf] = buf.toString('utf8');
      next();
    };
    // What raw-body answers a client that leaves mid-body; the response goes nowhere.
    read.onAbort = () => {
      if (!finish(req, read)) return;
      next(Object.assign(new Error('request aborted'), { status: 400, statusCode: 400, expose: true, type: 'request.aborted', code: 'ECONNABORTED' }));
    };
    req.on('data', read.onData);
    req.on('end', read.onEnd);
    req.on('error', read.onAbort);
    req.on('close', read.onAbort);
  };
  const parseStep: Step = (req, res, next) => {
    const stash = req as Stash;
    const text = stash[textOf];
    const buf = stash[bytesOf];
    // Read by express.json already (or no body at all).
    if (text === undefined || buf === undefined) return next();
    stash[bytesOf] = undefined;
    stash[textOf] = undefined;
    if (text.charCodeAt(0) === 0x7b /* { */) {
      let parsed = false;
      try {
        req.body = JSON.parse(text) as unknown;
        parsed = true;
      } catch {
        // body-parser words the error (and its strict-mode rules): replay the bytes to it.
      }
      if (parsed) return next();
    }
    const replay = Object.assign(Readable.from([buf], { objectMode: false }), { headers: req.headers });
    generic(replay as unknown as StepRequest, res, (err?: unknown) => {
      if (!err) req.body = (replay as unknown as { body: unknown }).body;
      next(err);
    });
  };
  return { read: readStep, parse: parseStep };
}

const noop = () => {};

interface BodyRead {
  chunks: Buffer[];
  done: boolean;
  onData: (chunk: Buffer) => void;
  onEnd: () => void;
  onAbort: () => void;
}

/** Marks the read over and takes its listeners off; false when it was already over. */
function finish(req: NodeJS.EventEmitter, read: BodyRead): boolean {
  if (read.done) return false;
  read.done = true;
  req.off('data', read.onData);
  req.off('end', read.onEnd);
  req.off('error', read.onAbort);
  req.off('close', read.onAbort);
  return true;
}
