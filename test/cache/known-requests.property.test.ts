// Bodies the fast path has keyed before are answered from their text (src/cache/known-requests.ts),
// before the body is parsed and before the request's checks run again. As a property: for generated
// sequences of POSTs drawn from a small pool — so the same body comes again, from other keys (admin,
// members of one project or the other, a key revoked mid-sequence), with other Accept headers, as
// text or persisted query, in other spellings — with writes in between, every answer of the cached
// server equals the answer of a server without cache or operation path (Apollo alone) to the same request (status, content type, body bytes).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeKey } from '../../src/auth/api-keys.js';
import { KnownRequests, knownRequestMaxChars, type KnownRequest, type KnownRequestId } from '../../src/cache/known-requests.js';
import { adminScope, memberScope, type AccessScope } from '../../src/auth/scope.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { paramsInForm, sendGraphQL, type GraphQLParams, type RawAnswer } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { cacheKinds } from './cache-fixtures.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 60);

const projectQuery = 'query P($id: ID!) { project(id: $id) { name videos(first: 3) { totalCount nodes { filename } } } }';
const projectsQuery = 'query L { projects(first: 5) { totalCount nodes { name videos(first: 2) { totalCount } } } }';
// The same document spelled otherwise: one cache entry, two bodies.
const projectsSpaced = 'query L {\n  projects(first: 5) {\n    totalCount\n    nodes { name videos(first: 2) { totalCount } }\n  }\n}';

const keyArb = fc.constantFrom('admin', 'memberA', 'memberB', 'memberAB', 'revoked' as const);
const bodyArb = fc.record({
  doc: fc.constantFrom('project', 'projects', 'projectsSpaced'),
  form: fc.constantFrom('query' as const, 'apq-register' as const, 'apq-hash-only' as const),
  project: fc.constantFrom('A' as const, 'B' as const),
  accept: fc.constantFrom(undefined, 'application/graphql-response+json', 'text/html'),
});
const stepArb = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('read' as const), key: keyArb, body: bodyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('write' as const), project: fc.constantFrom('A' as const, 'B' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const) }) },
);

describeEachDatabase('known request bodies', (database) => {
  for (const kind of cacheKinds('known-requests')) {
    describe(`cache: ${kind.name}`, () => {
      let cached: TestApp;
      let uncached: TestApp;
      const projects = { A: '', B: '' };
      beforeAll(async () => {
        const db = database().db;
        projects.A = await insertProject(db, { name: 'Known A' });
        projects.B = await insertProject(db, { name: 'Known B' });
        cached = await createTestApp(db, kind.env);
        // Apollo alone: the reference for known hits and for known bodies' runs on a miss.
        uncached = await createTestApp(db, { CACHE: 'off', OPERATION_PATH: 'false' });
      });
      afterAll(async () => {
        await cached?.close();
        await uncached?.close();
        await kind.cleanup();
      });

      it('answers every generated request as the uncached server does, for any key, Accept and spelling, across writes and a revocation', async () => {
        const db = database().db;
        let hits = 0;
        // Compared answers that came from a known body (the registrations sent beside them not counted).
        let knownCompared = 0;
        let repeats = 0;
        let files = 0;
        let sequences = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(stepArb, { minLength: 2, maxLength: 30 }), async (steps) => {
            const keys: Record<string, string> = {
              admin: cached.adminKey!,
              memberA: await cached.createKey({ name: 'known A', role: 'member', read: [projects.A] }),
              memberB: await cached.createKey({ name: 'known B', role: 'member', read: [projects.B] }),
              memberAB: await cached.createKey({ name: 'known AB', role: 'member', read: [projects.A], write: [projects.B] }),
            };
            const revocable = `known revocable ${sequences++}`;
            keys.revoked = await cached.createKey({ name: revocable, role: 'member', read: [projects.A, projects.B] });
            const seen = new Set<string>();
            for (const step of steps) {
              if (step.kind === 'revoke') {
                await revokeKey(db, revocable);
                continue;
              }
              if (step.kind === 'write') {
                const w = await sendGraphQL(
                  cached.url,
                  'POST',
                  { query: 'mutation($p: ID!, $f: String!) { createVideo(input: { projectId: $p, filename: $f, duration: 1, fileSize: 1 }) { id } }', variables: { p: projects[step.project], f: `known-${files++}.mp4` } },
                  { authorization: `Bearer ${keys.admin}` },
                );
                expect(w.json?.errors).toBeUndefined();
                continue;
              }
              const { body } = step;
              const query = body.doc === 'project' ? projectQuery : body.doc === 'projects' ? projectsQuery : projectsSpaced;
              const variables = body.doc === 'project' ? { id: projects[body.project] } : {};
              const params: GraphQLParams = paramsInForm(body.form, query, undefined, variables);
              const headers: Record<string, string> = { authorization: `Bearer ${keys[step.key]}` };
              if (body.accept) headers.accept = body.accept;
              // A hash-only request finds its document registered (Apollo answers PERSISTED_QUERY_NOT_FOUND
              // otherwise, on both servers alike; registered here so most of them run).
              if (body.form === 'apq-hash-only') {
                for (const app of [cached, uncached]) await sendGraphQL(app.url, 'POST', paramsInForm('apq-register', query, undefined, variables), { authorization: `Bearer ${keys.admin}` });
              }
              const knownBeforeThis = cached.app.cache.stats().knownBodyHits;
              const c = await sendGraphQL(cached.url, 'POST', params, headers);
              if (cached.app.cache.stats().knownBodyHits > knownBeforeThis) knownCompared++;
              const u = await sendGraphQL(uncached.url, 'POST', params, headers);
              expect(answerOf(c), `${step.key} ${JSON.stringify(body)}`).toEqual(answerOf(u));
              const text = JSON.stringify(params);
              if (seen.has(text)) repeats++;
              seen.add(text);
              if (c.headers.get('x-cache') === 'HIT') hits++;
            }
          }),
          { numRuns: runs },
        );
        console.info(`known requests [${kind.name}]: ${repeats} bodies sent again in their sequence, ${hits} hits, ${knownCompared} of them of known bodies`);
        // Bodies come again across sequences too (the same scope and Accept: the same id).
        expect(knownCompared).toBeGreaterThan(runs / 4);
      }, 240_000);
    });
  }
});

const answerOf = (a: RawAnswer) => ({ status: a.status, contentType: a.headers.get('content-type'), body: a.text });

const entry = (key: string): KnownRequest => ({ key, operationName: null, contentType: 'application/json', hashOnly: false, queryHash: 'h' });

describe('KnownRequests', () => {
  it('finds what one request kept for another only when scope, Accept and text are all the same', () => {
    // Few values, so that requests meet often, and ones that could run into each other if joined plainly.
    const pieceArb = fc.constantFrom('', 'a', '\n', '1:');
    const scopeArb = fc.oneof(
      pieceArb.map((id): AccessScope => ({ ...adminScope, id })),
      fc.array(pieceArb, { maxLength: 2 }).map((ids) => memberScope(ids, [])),
    );
    // Header values never hold a newline (node refuses them); texts and scope ids may.
    const acceptArb = fc.option(pieceArb.filter((s) => !s.includes('\n')), { nil: undefined });
    const requestArb = fc.tuple(scopeArb, acceptArb, pieceArb);
    fc.assert(
      fc.property(requestArb, requestArb, ([s1, a1, t1], [s2, a2, t2]) => {
        const known = new KnownRequests();
        known.set(known.idOf(s1, a1, t1)!, entry('k1'));
        const same = s1.id === s2.id && (a1 ?? '') === (a2 ?? '') && t1 === t2;
        expect(known.get(known.idOf(s2, a2, t2)!)?.key).toBe(same ? 'k1' : undefined);
      }),
      { numRuns: 5000 },
    );
    // A scope id ending in a newline, and a text starting with one.
    const known = new KnownRequests();
    known.set(known.idOf({ ...adminScope, id: 'a\n' }, undefined, 'x')!, entry('k1'));
    expect(known.get(known.idOf({ ...adminScope, id: 'a' }, undefined, '\nx')!)).toBeUndefined();
  });

  it('keeps no body longer than the limit, and holds at most its bound, the first in going first', () => {
    expect(new KnownRequests().idOf(adminScope, undefined, 'x'.repeat(knownRequestMaxChars + 1))).toBeUndefined();
    expect(new KnownRequests().idOf(adminScope, undefined, 'x'.repeat(knownRequestMaxChars))).toBeDefined();
    const entryArb = fc.record({ text: fc.string({ maxLength: 300 }), registers: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 40 }), (entries) => {
        const known = new KnownRequests(4000);
        const ids: KnownRequestId[] = [];
        for (const [i, e] of entries.entries()) {
          const id = known.idOf(adminScope, undefined, `${i}${e.text}`)!;
          ids.push(id);
          known.set(id, { key: 'k', operationName: null, contentType: 'application/json', hashOnly: false, queryHash: 'h', registers: e.registers });
        }
        expect(known.heldChars).toBeLessThanOrEqual(4000);
        // What is kept is the newest entries, with nothing missing between them.
        const kept = ids.map((id) => known.get(id) !== undefined);
        expect(kept.indexOf(true) === -1 || kept.slice(kept.indexOf(true)).every(Boolean)).toBe(true);
        if (ids.length > 0) expect(kept.at(-1)).toBe(true);
      }),
    );
  });

  it('evicts the oldest of requests that share a text or a scope, and counts what stays (generated)', () => {
    const requestArb = fc.tuple(fc.constantFrom('q1', 'q2'), fc.constantFrom('a', 'b', 'c'), fc.constantFrom(undefined, 'x'));
    fc.assert(
      fc.property(
        fc.uniqueArray(requestArb, { selector: ([t, s, a]) => `${t}|${s}|${a}`, maxLength: 12 }),
        fc.array(fc.nat(400), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 400, max: 4000 }),
        (requests, sizes, bound) => {
          const known = new KnownRequests(bound);
          const ids = requests.map(([text, scopeId, accept], i) => {
            const id = known.idOf({ ...adminScope, id: scopeId }, accept, text)!;
            known.set(id, { ...entry(`k${i}`), registers: 'r'.repeat(sizes[i]) });
            return id;
          });
          const kept = ids.map((id, i) => known.get(id)?.key === `k${i}`);
          const firstKept = kept.indexOf(true);
          expect(firstKept === -1 || kept.slice(firstKept).every(Boolean)).toBe(true);
          const charsOf = (i: number) => ids[i].text.length + ids[i].scopeId.length + ids[i].accept.length + sizes[i] + 320;
          const held = ids.reduce((n, _, i) => (kept[i] ? n + charsOf(i) : n), 0);
          expect(known.heldChars).toBe(held);
          expect(held).toBeLessThanOrEqual(bound);
          // No more evicted than the bound needs: the newest stays if it fits alone, and the one
          // before the oldest kept would not have fit beside them.
          if (ids.length > 0 && charsOf(ids.length - 1) <= bound) expect(kept.at(-1)).toBe(true);
          if (firstKept > 0) expect(held + charsOf(firstKept - 1)).toBeGreaterThan(bound);
        },
      ),
    );
  });

  it('counts what a kept run holds — its text and parsed variables — against the bound, and no longer once dropped (generated)', () => {
    const runArb = fc.record({
      query: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      // Token-dense variables parse into far more heap than their text: arrays of empty arrays.
      variables: fc.option(fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 50 })), fc.nat(60).map((n) => ({ v: Array.from({ length: n }, () => []) }))), { nil: undefined }),
    });
    const opArb = fc.record({ text: fc.constantFrom('a', 'b', 'c', 'd'), run: fc.option(runArb, { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.integer({ min: 300, max: 20_000 }), (ops, bound) => {
        // What a run adds is followed where nothing is evicted; the bound, where entries are.
        const roomy = new KnownRequests(1e12);
        const tight = new KnownRequests(bound);
        for (const op of ops) {
          const run = op.run && { ...op.run, queryHash: 'h', requestedName: undefined, contentType: 'application/json', hashOnly: false, registers: undefined, key: 'k' };
          const id = roomy.idOf(adminScope, undefined, op.text)!;
          roomy.set(id, entry('k'));
          roomy.setRun(id, undefined);
          const before = roomy.heldChars;
          roomy.setRun(id, run);
          if (run !== undefined) {
            // At least its text and its variables' text, weighted for the values they parse into.
            const variablesText = JSON.stringify(run.variables ?? null).length;
            expect(roomy.heldChars - before).toBeGreaterThanOrEqual((run.query?.length ?? 0) + 8 * variablesText);
          }
          // Dropping a run gives back what it held, and nothing else.
          roomy.setRun(id, undefined);
          expect(roomy.heldChars).toBe(before);
          roomy.setRun(id, run);

          tight.set(id, entry('k'));
          tight.setRun(id, run);
          expect(tight.heldChars).toBeLessThanOrEqual(bound);
        }
      }),
    );
  });
});
