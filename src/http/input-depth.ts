// The nesting bound of client values. Variables and extensions reach helpers that walk them (cache
// keys, persisted-document rewriting, Apollo's coercion); a value nested deeper than any input type
// of the schema needs is refused here, before any of them runs, as a 400 BAD_USER_INPUT — 100,000
// nested arrays once overflowed a recursive walk into a 500.
import { ErrorCode } from '../errors.js';
import { sendError } from './error-response.js';
import { searchOf } from './graphql-request.js';
import type { Step, StepRequest } from './step.js';

/** True when `value` nests arrays or objects deeper than `limit` (a scalar is depth 0); no recursion. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const v = stack.pop();
    const d = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= limit) return true;
    // Walked in place: Object.values would copy every object's values (20,000 arrays for a
    // 10,000-element ingest).
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child !== null && typeof child === 'object') {
          stack.push(child);
          depths.push(d + 1);
        }
      }
    } else {
      const o = v as Record<string, unknown>;
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        const child = o[k];
        if (child !== null && typeof child === 'object') {
          stack.push(child);
          depths.push(d + 1);
        }
      }
    }
  }
  return false;
}

/** Parameters a GraphQL request carries as JSON: the POST body's, or each GET parameter parsed. */
function jsonParameters(req: StepRequest): unknown[] {
  if (req.method !== 'GET') {
    const body = req.body as unknown;
    return body !== null && typeof body === 'object' ? Object.values(body as Record<string, unknown>) : [];
  }
  const search = new URLSearchParams(searchOf(req.url ?? ''));
  const out: unknown[] = [];
  for (const name of ['variables', 'extensions']) {
    for (const raw of search.getAll(name)) {
      try {
        out.push(JSON.parse(raw));
      } catch {
        // Apollo answers a malformed parameter itself.
      }
    }
  }
  return out;
}

export function inputDepthLimit(maxDepth: number): Step {
  return (req, res, next) => {
    // Each parameter is the container (the variables object) of the values the bound is about.
    for (const value of jsonParameters(req)) {
      if (value !== null && typeof value === 'object' && nestsDeeperThan(value, maxDepth + 1)) {
        sendError(req, res, ErrorCode.BAD_USER_INPUT, `variables and extensions may nest at most ${maxDepth} levels deep`, { details: { argument: 'variables' } });
        return;
      }
    }
    next();
  };
}
