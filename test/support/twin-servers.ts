// Two servers on one database that must answer alike (one of them Apollo alone): the same request goes to
// the reference first, then to the subject, and both must have sent as many SQL statements and moved
// their cache counters alike — an operation run twice, or a lookup counted twice, shows there.
import { expect } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { sendGraphQL, type GraphQLParams, type RawAnswer } from './http-request.js';
import type { TestApp } from './test-app.js';

/** The cache's counters (bytes apart: the two servers' stores differ in what they account). */
function counters(t: TestApp): Record<string, number> {
  const { bytes: _bytes, ...rest } = t.app.cache.stats();
  return rest as Record<string, number>;
}

const delta = (after: Record<string, number>, before: Record<string, number>) => Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

/** Sends the request to `reference`, then to `subject`; returns both answers once statements and counters matched. */
export async function sendToTwins(
  db: Db,
  reference: TestApp,
  subject: TestApp,
  method: 'GET' | 'POST',
  params: GraphQLParams,
  headers: Record<string, string>,
  label = '',
): Promise<[RawAnswer, RawAnswer]> {
  const before = [counters(reference), counters(subject)];
  let statements = 0;
  // Key lookups and the key cache's poll are the server's own, at times of their own: not the operation's.
  const stop = db.addStatementListener((name) => {
    if (!/apikey/i.test(name)) statements++;
  });
  let a: RawAnswer;
  let b: RawAnswer;
  let byReference: number;
  try {
    a = await sendGraphQL(reference.url, method, params, headers);
    byReference = statements;
    b = await sendGraphQL(subject.url, method, params, headers);
  } finally {
    stop();
  }
  expect(statements - byReference, label).toBe(byReference);
  expect(delta(counters(subject), before[1]), label).toEqual(delta(counters(reference), before[0]));
  return [a, b];
}
