// Authorization matrix: every Mutation field of the schema (read from schema.graphql, so a new
// mutation fails here until it has a call below) × every kind of caller. Refused calls change no row
// of any table (a checksum of every table before and after); a read-only key is refused before any
// resolver runs (FORBIDDEN, 403), however the document reaches the field (aliases, fragments,
// inline fragments, next to an allowed field).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { mutationRoles } from '../../src/graphql/mutation-roles.js';
import { typeDefs } from '../../src/graphql/schema.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, type GraphQLResponse, type TestApp } from '../support/test-app.js';

const mutationFields = Object.keys(buildSchema(typeDefs).getMutationType()!.getFields()).sort();

interface Targets {
  project: string;
  video: string;
  session: string;
  boxes: string[];
  detections: string[];
}

const box = { frameNumber: 1, timestamp: 0.1, classLabel: 'car', confidence: 0.5, x: 1, y: 1, width: 2, height: 2 };
const detection = { frameNumber: 1, timestamp: 0.1, classLabel: 'car', confidence: 0.5, boundingBox: { x: 1, y: 1, width: 2, height: 2 } };

/** One valid call per mutation: the field with its arguments (variables named per field) and a selection. */
const calls: Record<string, (t: Targets) => { field: string; defs: string; variables: Record<string, unknown> }> = {
  createProject: () => ({ field: 'createProject(input: { name: "matrix" }) { id }', defs: '', variables: {} }),
  createVideo: (t) => ({ field: 'createVideo(input: { projectId: $cvP, filename: "m.mp4", duration: 1, fileSize: 1 }) { id }', defs: '$cvP: ID!', variables: { cvP: t.project } }),
  updateVideo: (t) => ({ field: 'updateVideo(id: $uvId, input: { status: FAILED }) { id }', defs: '$uvId: ID!', variables: { uvId: t.video } }),
  deleteVideo: (t) => ({ field: 'deleteVideo(id: $dvId)', defs: '$dvId: ID!', variables: { dvId: t.video } }),
  upsertGroundTruth: (t) => ({ field: 'upsertGroundTruth(videoId: $ugId, objects: $ugO) { inserted }', defs: '$ugId: ID!, $ugO: [GroundTruthInput!]!', variables: { ugId: t.video, ugO: [box] } }),
  setGroundTruthValidated: (t) => ({ field: 'setGroundTruthValidated(ids: $sgIds, validated: true)', defs: '$sgIds: [ID!]!', variables: { sgIds: t.boxes } }),
  deleteGroundTruth: (t) => ({ field: 'deleteGroundTruth(ids: $dgIds)', defs: '$dgIds: [ID!]!', variables: { dgIds: t.boxes } }),
  createTestSession: (t) => ({ field: 'createTestSession(input: { projectId: $ctP, videoId: $ctV }) { id }', defs: '$ctP: ID!, $ctV: ID!', variables: { ctP: t.project, ctV: t.video } }),
  completeTestSession: (t) => ({ field: 'completeTestSession(id: $csId, status: FAILED) { id }', defs: '$csId: ID!', variables: { csId: t.session } }),
  ingestDetections: (t) => ({ field: 'ingestDetections(testSessionId: $idId, detections: $idD) { inserted }', defs: '$idId: ID!, $idD: [DetectionInput!]!', variables: { idId: t.session, idD: [detection] } }),
  setValidationResults: (t) => ({ field: 'setValidationResults(detectionIds: $svIds, result: TP)', defs: '$svIds: [ID!]!', variables: { svIds: t.detections } }),
  applyEvaluation: (t) => ({ field: 'applyEvaluation(testSessionId: $aeId, overwrite: true) { updated }', defs: '$aeId: ID!', variables: { aeId: t.session } }),
};

/** Mutations that ignore ids the caller cannot write (answering 0) instead of refusing them. */
const idListMutations = new Set(['setGroundTruthValidated', 'deleteGroundTruth', 'setValidationResults']);

type Caller = 'admin' | 'writerOfTarget' | 'readerOfTarget' | 'writerOfOther' | 'noKey';
const callers: Caller[] = ['admin', 'writerOfTarget', 'readerOfTarget', 'writerOfOther', 'noKey'];

/** What each caller gets from each mutation: 'ok' (it writes), or the refusal. */
function expected(mutation: string, caller: Caller): 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'ZERO' {
  if (caller === 'noKey') return 'UNAUTHENTICATED';
  if (caller === 'admin') return 'ok';
  if (caller === 'readerOfTarget') return 'FORBIDDEN';
  if (mutationRoles[mutation as keyof typeof mutationRoles] === 'admin') return 'FORBIDDEN';
  if (caller === 'writerOfTarget') return 'ok';
  return idListMutations.has(mutation) ? 'ZERO' : 'NOT_FOUND';
}

async function checksums(db: Db): Promise<Record<string, string>> {
  const tables = await db.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [{ h }] = await db.query<{ h: string }>(`SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM "${t}" x`);
    out[t] = h;
  }
  return out;
}

describeEachDatabase('authorization matrix', (database) => {
  let app: TestApp;
  let other: string;

  beforeAll(async () => {
    app = await createTestApp(database().db);
    other = await insertProject(database().db, { name: 'other tenant' });
  });
  afterAll(() => app?.close());

  /** A fresh project with one row of each kind, and keys for each caller. */
  async function world(): Promise<{ t: Targets; keys: Record<Caller, string | null> }> {
    const db = database().db;
    const project = await insertProject(db, { name: `target ${randomUUID().slice(0, 6)}` });
    const video = await insertVideo(db, project);
    const boxes = await insertGroundTruth(db, video, [{ frame_number: 1, confidence: 0.9 }]);
    const session = await insertTestSession(db, project, video, { status: 'running' });
    const detections = await insertDetections(db, session, [{ frame_number: 1, confidence: 0.7 }]);
    const n = randomUUID().slice(0, 8);
    return {
      t: { project, video, session, boxes, detections },
      keys: {
        admin: app.adminKey,
        writerOfTarget: await app.createKey({ name: `w-${n}`, role: 'member', write: [project] }),
        readerOfTarget: await app.createKey({ name: `r-${n}`, role: 'member', read: [project] }),
        writerOfOther: await app.createKey({ name: `o-${n}`, role: 'member', write: [other] }),
        noKey: null,
      },
    };
  }

  const send = (fields: ReturnType<(typeof calls)[string]>[], key: string | null, shape: (f: string, i: number) => string = (f) => f) => {
    const defs = fields.map((f) => f.defs).filter(Boolean).join(', ');
    const body = fields.map((f, i) => shape(f.field, i)).join(' ');
    const fragments = body.includes('...F') ? fields.map((f, i) => `fragment F${i} on Mutation { ${f.field} }`).join(' ') : '';
    return app.execute(`mutation${defs ? `(${defs})` : ''} { ${body} } ${fragments}`, Object.assign({}, ...fields.map((f) => f.variables)), { as: key });
  };

  it('has a call for every Mutation field of the schema, and a declared role for each', () => {
    expect(Object.keys(calls).sort()).toEqual(mutationFields);
    expect(Object.keys(mutationRoles).sort()).toEqual(mutationFields);
  });

  it('answers every mutation × caller as its role says, and refused calls change no row', async () => {
    const db = database().db;
    const seen: string[] = [];
    for (const mutation of mutationFields) {
      for (const caller of callers) {
        const { t, keys } = await world();
        const before = await checksums(db);
        const res: GraphQLResponse = await send([calls[mutation](t)], keys[caller]);
        const after = await checksums(db);
        const want = expected(mutation, caller);
        const code = res.body.errors?.[0]?.extensions?.code;
        const label = `${mutation} as ${caller}: ${res.status} ${JSON.stringify(res.body)}`;
        seen.push(`${mutation}/${caller}=${want}`);
        if (want === 'ok') {
          expect(res.body.errors, label).toBeUndefined();
          expect(after, label).not.toEqual(before);
          continue;
        }
        expect(after, label).toEqual(before);
        if (want === 'ZERO') {
          expect(res.body.data?.[mutation], label).toBe(0);
        } else {
          expect(code, label).toBe(want);
          expect(res.status, label).toBe({ UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 200 }[want]);
          expect(res.body.data ?? null, label).toBeNull();
        }
      }
    }
    expect(seen).toHaveLength(mutationFields.length * callers.length);
  });

  it('refuses a read-only key before anything runs, however the document selects the fields', async () => {
    const db = database().db;
    const { t, keys } = await world();
    const shapes = fc.constantFrom<(f: string, i: number) => string>(
      (f) => f,
      (f, i) => `a${i}: ${f}`,
      (f) => `... on Mutation { ${f} }`,
      (_, i) => `...F${i}`,
      (f) => `__typename ${f}`,
    );
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.constantFrom(...mutationFields), { minLength: 1, maxLength: 3 }), shapes, async (names, shape) => {
        const before = await checksums(db);
        const res = await send(names.map((n) => calls[n](t)), keys.readerOfTarget, shape);
        expect(res.status).toBe(403);
        expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(res.body.data ?? null).toBeNull();
        expect(await checksums(db)).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses an operation that mixes a field the writer may call with createProject, writing nothing', async () => {
    const db = database().db;
    const { t, keys } = await world();
    const before = await checksums(db);
    const res = await send([calls.createVideo(t), calls.createProject(t)], keys.writerOfTarget);
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await checksums(db)).toEqual(before);
  });
});
