// A POST body the operation path ran cleanly is run again from what that run kept — before the body is
// parsed, priced or checked (src/cache/known-requests.ts, the operation path's runKnown). Its answers
// must be Apollo's, whatever changed in between: rows written, a key's scope, a read that now fails.
// Two servers share one database, each with a cache of its own of the same kind (none, in-process,
// Redis): one answers everything through Apollo (the operation path off), the other runs known bodies.
// Every generated request goes to both and must be answered alike — status, content type, body bytes,
// x-cache and x-sql-statements — having sent as many SQL statements and moved the cache's counters
// alike (a body run twice, or a lookup counted twice, shows there). A read that fails is made real by
// taking a table away (and putting it back): a known body that now fails is worded by Apollo from that
// very run, and is run from what it kept again only after a clean run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKinds } from '../cache/cache-fixtures.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { paramsInForm, sendGraphQL, type DocumentForm, type GraphQLParams, type RawAnswer } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { sendToTwins } from '../support/twin-servers.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 40);

const documents = {
  project: 'query P($id: ID!) { project(id: $id) { name videos(first: 3) { totalCount nodes { filename } } } }',
  projects: 'query L($first: Int) { projects(first: $first) { totalCount nodes { name stats { videoCount } } } }',
  // Fails whatever the data: a cursor that is not one.
  badCursor: 'query C { projects(first: 2, after: "garbage") { totalCount } }',
  typename: '{ __typename }',
};
type Doc = keyof typeof documents;

const readArb = fc.record({
  kind: fc.constant('read' as const),
  doc: fc.constantFrom<Doc>('project', 'project', 'projects', 'projects', 'badCursor', 'typename'),
  project: fc.constantFrom('A' as const, 'B' as const, 'missing' as const),
  first: fc.constantFrom<unknown>(1, 5, 0, 200, 'x', null),
  form: fc.constantFrom<DocumentForm>('query', 'query', 'apq-register', 'apq-hash-only'),
  key: fc.constantFrom('admin' as const, 'memberA' as const, 'stranger' as const),
  accept: fc.constantFrom(undefined, 'application/graphql-response+json', '*/*', 'text/html'),
});
// Reads pick from a few bodies per sequence, so that bodies come again (and become known).
const stepArb = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('read' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('write' as const), project: fc.constantFrom('A' as const, 'B' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'break' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'mend' as const }) },
);
type Read = typeof readArb extends fc.Arbitrary<infer T> ? T : never;

const answerOf = (a: RawAnswer) => ({
  status: a.status,
  contentType: a.headers.get('content-type'),
  body: a.text,
  cache: a.headers.get('x-cache'),
  statements: a.headers.get('x-sql-statements'),
});

describeEachDatabase('known bodies run from what their first run kept', (database) => {
  const kinds = [{ name: 'off' as const, env: {}, cleanup: async () => {} }, ...cacheKinds('known-runs')];
  const projects = { A: '', B: '', missing: 'f0000000-0000-4000-8000-000000000000' };
  let broken = false;
  let files = 0;

  const setBroken = async (on: boolean) => {
    if (on === broken) return;
    await database().db.query(on ? 'ALTER TABLE project_stats RENAME TO project_stats_away' : 'ALTER TABLE project_stats_away RENAME TO project_stats');
    broken = on;
  };

  beforeAll(async () => {
    const db = database().db;
    projects.A = await insertProject(db, { name: 'Run A' });
    projects.B = await insertProject(db, { name: 'Run B' });
  });
  afterAll(() => setBroken(false));

  for (const kind of kinds) {
    describe(`cache: ${kind.name}`, () => {
      let reference: TestApp;
      let known: TestApp;
      let keys: Record<Read['key'], string>;
      // Each server a cache of its own (its own Redis prefix), so both see the same sequence of hits and misses.
      let secondPrefix: string | undefined;

      beforeAll(async () => {
        const db = database().db;
        reference = await createTestApp(db, { ...kind.env, OPERATION_PATH: 'false' });
        secondPrefix = 'REDIS_KEY_PREFIX' in kind.env ? uniquePrefix('known-runs-path') : undefined;
        known = await createTestApp(db, { ...kind.env, ...(secondPrefix ? { REDIS_KEY_PREFIX: secondPrefix } : {}) });
        keys = {
          admin: known.adminKey!,
          memberA: await known.createKey({ name: 'runs A', role: 'member', read: [projects.A] }),
          stranger: await known.createKey({ name: 'runs stranger', role: 'member', read: [] }),
        };
      });
      afterAll(async () => {
        await setBroken(false);
        await reference?.close();
        await known?.close();
        await kind.cleanup();
        if (secondPrefix && redisUrl) await removePrefix(redisUrl, secondPrefix);
      });

      function paramsOf(read: Read): GraphQLParams {
        const variables: Record<string, unknown> = {};
        if (read.doc === 'project') variables.id = projects[read.project];
        if (read.doc === 'projects' && read.first !== null) variables.first = read.first;
        return paramsInForm(read.form, documents[read.doc], undefined, variables);
      }

      /**
       * Sends `read` to both servers (the Apollo one first): the answers, the statements each sent and
       * the moves of each one's cache counters must be the same (sendToTwins). Returns the second server's answer.
       */
      async function both(read: Read): Promise<RawAnswer> {
        const headers: Record<string, string> = { authorization: `Bearer ${keys[read.key]}` };
        if (read.accept) headers.accept = read.accept;
        if (read.form === 'apq-hash-only') {
          // Registered on both, so most hash-only requests run (Apollo answers PERSISTED_QUERY_NOT_FOUND otherwise, on both alike).
          const register = paramsInForm('apq-register', documents[read.doc], undefined, paramsOf(read).variables ?? {});
          for (const app of [reference, known]) await sendGraphQL(app.url, 'POST', register, { authorization: `Bearer ${keys.admin}` });
        }
        const [a, b] = await sendToTwins(database().db, reference, known, 'POST', paramsOf(read), headers, JSON.stringify(read));
        expect(answerOf(b), JSON.stringify(read)).toEqual(answerOf(a));
        return b;
      }

      /** A video written through both servers: each one's cache drops what the write changes (tags are per process or prefix). */
      async function write(project: 'A' | 'B') {
        for (const app of [reference, known]) {
          const w = await sendGraphQL(
            app.url,
            'POST',
            { query: 'mutation($p: ID!, $f: String!) { createVideo(input: { projectId: $p, filename: $f, duration: 1, fileSize: 1 }) { id } }', variables: { p: projects[project], f: `run-${files++}.mp4` } },
            { authorization: `Bearer ${keys.admin}` },
          );
          expect(w.json?.errors).toBeUndefined();
        }
      }

      it('answers a known body as Apollo does, leaves its failure to Apollo, and keeps it again after a clean run', async () => {
        const read: Read = { kind: 'read', doc: 'project', project: 'A', first: 1, form: 'query', key: 'admin', accept: undefined };
        // With a cache, a body runs only once its entry is gone: a write to its project drops it.
        const cached = kind.name !== 'off';
        const miss = () => (cached ? write('A') : Promise.resolve());
        const runsBefore = known.app.knownRunsServed;
        // Apollo accepts the document on the first request, the operation path runs (and keeps) the second.
        const first = await both(read);
        expect(first.json.data.project.name).toBe('Run A');
        await miss();
        await both(read);
        expect(known.app.knownRunsServed).toBe(runsBefore);
        if (cached) expect((await both(read)).headers.get('x-cache')).toBe('HIT');
        await miss();
        await both(read);
        expect(known.app.knownRunsServed).toBe(runsBefore + 1);
        await miss();
        await setBroken(true);
        try {
          const failed = await both(read);
          expect(failed.json.errors?.length).toBeGreaterThan(0);
          // Not answered by the known run: Apollo worded the failure from that run (as many statements
          // and cache lookups as Apollo alone: both() compares them).
          expect(known.app.knownRunsServed).toBe(runsBefore + 1);
        } finally {
          await setBroken(false);
        }
        // The first clean run after the failure goes the usual way and keeps the body's run again.
        await both(read);
        expect(known.app.knownRunsServed).toBe(runsBefore + 1);
        await miss();
        await both(read);
        expect(known.app.knownRunsServed).toBe(runsBefore + 2);
      });

      it('answers every generated request as Apollo does, across writes, failing reads and other keys, Accept headers and forms', async () => {
        let knownRuns = 0;
        // Requests of a body that had run cleanly before, sent while reads fail: the known run's fallback.
        let fellBack = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(readArb, { minLength: 1, maxLength: 4 }), fc.array(stepArb, { minLength: 2, maxLength: 25 }), async (pool, steps) => {
            const clean = new Set<string>();
            try {
              for (const next of steps) {
                const step = next.kind === 'read' ? pool[next.pick % pool.length] : next;
                if (step.kind === 'break' || step.kind === 'mend') {
                  await setBroken(step.kind === 'break');
                  continue;
                }
                if (step.kind === 'write') {
                  // Writes keep project_stats: none while it is away.
                  if (!broken) await write(step.project);
                  continue;
                }
                const id = JSON.stringify([step.key, step.accept, paramsOf(step)]);
                const before = known.app.knownRunsServed;
                const b = await both(step);
                knownRuns += known.app.knownRunsServed - before;
                if (broken && clean.has(id)) fellBack++;
                if (b.status === 200 && !b.json?.errors) clean.add(id);
              }
            } finally {
              await setBroken(false);
            }
          }),
          { numRuns: runs },
        );
        console.info(`known runs [${kind.name}]: ${knownRuns} answered from what a first run kept, ${fellBack} requests of such bodies while reads failed`);
        // With a cache a body runs only after its entry was dropped: the example above proves those runs.
        if (kind.name === 'off') expect(knownRuns).toBeGreaterThan(runs);
        expect(fellBack).toBeGreaterThan(0);
      }, 240_000);
    });
  }
});
