// A POST body the operation path ran cleanly is run again from what that run kept — before the body is
// parsed, priced or looked up (src/cache/known-requests.ts, the operation path's runKnown). Its answers
// must be Apollo's, whatever changed in between: rows written, a key's scope, a read that now fails.
// Two servers share one database and have no response cache: one answers everything through Apollo
// (the operation path off), the other runs known bodies; every generated request goes to both and the
// answers must be equal (status, content type, body bytes). A read that fails is made real by taking a
// table away (and putting it back): a known body that now fails is answered through the usual steps,
// and is run from what it kept again only after a clean run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject } from '../support/factories.js';
import { paramsInForm, sendGraphQL, type DocumentForm, type GraphQLParams, type RawAnswer } from '../support/http-request.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

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

const answerOf = (a: RawAnswer) => ({ status: a.status, contentType: a.headers.get('content-type'), body: a.text });

describeEachDatabase('known bodies run from what their first run kept', (database) => {
  let reference: TestApp;
  let known: TestApp;
  const projects = { A: '', B: '', missing: 'f0000000-0000-4000-8000-000000000000' };
  let keys: Record<Read['key'], string>;
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
    reference = await createTestApp(db, { OPERATION_PATH: 'false' });
    known = await createTestApp(db);
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
  });

  function paramsOf(read: Read): GraphQLParams {
    const variables: Record<string, unknown> = {};
    if (read.doc === 'project') variables.id = projects[read.project];
    if (read.doc === 'projects' && read.first !== null) variables.first = read.first;
    return paramsInForm(read.form, documents[read.doc], undefined, variables);
  }

  /** Sends `read` to both servers (the Apollo one first) and returns both answers. */
  async function both(read: Read): Promise<[RawAnswer, RawAnswer]> {
    const headers: Record<string, string> = { authorization: `Bearer ${keys[read.key]}` };
    if (read.accept) headers.accept = read.accept;
    if (read.form === 'apq-hash-only') {
      // Registered on both, so most hash-only requests run (Apollo answers PERSISTED_QUERY_NOT_FOUND otherwise, on both alike).
      const register = paramsInForm('apq-register', documents[read.doc], undefined, paramsOf(read).variables ?? {});
      for (const app of [reference, known]) await sendGraphQL(app.url, 'POST', register, { authorization: `Bearer ${keys.admin}` });
    }
    const params = paramsOf(read);
    return [await sendGraphQL(reference.url, 'POST', params, headers), await sendGraphQL(known.url, 'POST', params, headers)];
  }

  it('answers a known body as Apollo does, falls back when its run fails, and keeps it again after a clean run', async () => {
    const read: Read = { kind: 'read', doc: 'project', project: 'A', first: 1, form: 'query', key: 'admin', accept: undefined };
    const expectSame = async () => {
      const [a, b] = await both(read);
      expect(answerOf(b)).toEqual(answerOf(a));
      return b;
    };
    const runsBefore = known.app.knownRunsServed;
    // Apollo accepts the document on the first request, the operation path runs (and keeps) the second.
    const first = await expectSame();
    expect(first.json.data.project.name).toBe('Run A');
    await expectSame();
    expect(known.app.knownRunsServed).toBe(runsBefore);
    await expectSame();
    expect(known.app.knownRunsServed).toBe(runsBefore + 1);
    await setBroken(true);
    try {
      const failed = await expectSame();
      expect(failed.json.errors?.length).toBeGreaterThan(0);
      // Not answered from what was kept: it went on to Apollo, which worded the failure.
      expect(known.app.knownRunsServed).toBe(runsBefore + 1);
    } finally {
      await setBroken(false);
    }
    // The first clean run after the failure goes the usual way and keeps the body's run again.
    await expectSame();
    expect(known.app.knownRunsServed).toBe(runsBefore + 1);
    await expectSame();
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
              if (broken) continue;
              const w = await sendGraphQL(
                known.url,
                'POST',
                { query: 'mutation($p: ID!, $f: String!) { createVideo(input: { projectId: $p, filename: $f, duration: 1, fileSize: 1 }) { id } }', variables: { p: projects[step.project], f: `run-${files++}.mp4` } },
                { authorization: `Bearer ${keys.admin}` },
              );
              expect(w.json?.errors).toBeUndefined();
              continue;
            }
            const id = JSON.stringify([step.key, step.accept, paramsOf(step)]);
            const before = known.app.knownRunsServed;
            const [a, b] = await both(step);
            expect(answerOf(b), JSON.stringify(step)).toEqual(answerOf(a));
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
    console.info(`known runs: ${knownRuns} answered from what a first run kept, ${fellBack} requests of such bodies while reads failed`);
    expect(knownRuns).toBeGreaterThan(runs);
    expect(fellBack).toBeGreaterThan(0);
  }, 240_000);
});
