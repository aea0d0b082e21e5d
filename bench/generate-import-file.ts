// Writes an NDJSON file of ground-truth boxes for `npm run import`, after creating the project and
// videos the lines point at in the configured database (DATABASE_URL or PGLITE_DIR). Deterministic:
// the same --seed gives the same file. Lines carry ids unless --no-ids (then the importer derives them).
// Usage: DATABASE_URL=... npx tsx bench/generate-import-file.ts --lines 1000000 --out /tmp/gt.ndjson [--videos 200] [--no-ids] [--seed 1]
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';

const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const lines = Number(arg('lines', '1000000'));
const out = arg('out', '/tmp/truthgraph-import.ndjson')!;
const videoCount = Number(arg('videos', '200'));
const seed = arg('seed', '1')!;
const withIds = !process.argv.includes('--no-ids');

const uuidOf = (name: string) => {
  const x = createHash('sha1').update(`${seed}:${name}`).digest('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-5${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
};

const config = loadConfig();
const db = await openDatabase(config);
try {
  await migrate(db);
  const projectId = uuidOf('project');
  await db.query(`INSERT INTO projects (id, name) VALUES ($1, 'import benchmark') ON CONFLICT DO NOTHING`, [projectId]);
  const videos = Array.from({ length: videoCount }, (_, i) => uuidOf(`video ${i}`));
  await db.query(
    `INSERT INTO videos (id, project_id, filename, status) SELECT v, $1, 'bench.mp4', 'completed' FROM unnest($2::uuid[]) v ON CONFLICT DO NOTHING`,
    [projectId, `{${videos.join(',')}}`],
  );
  const labels = ['car', 'person', 'bicycle', 'truck', 'bus', 'dog', 'traffic light', 'stop sign'];
  const file = createWriteStream(out);
  let x = 2463534242; // xorshift32: cheap, deterministic
  const rnd = () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const frame = Math.floor(i / videoCount);
    const o: Record<string, unknown> = {
      ...(withIds ? { id: uuidOf(`box ${i}`) } : {}),
      videoId: videos[i % videoCount],
      frameNumber: frame,
      timestamp: frame / 30,
      classLabel: labels[Math.floor(rnd() * labels.length)],
      confidence: Math.round(rnd() * 1000) / 1000,
      x: Math.round(rnd() * 1800),
      y: Math.round(rnd() * 1000),
      width: 10 + Math.round(rnd() * 200),
      height: 10 + Math.round(rnd() * 200),
      validated: rnd() < 0.2,
    };
    buf += JSON.stringify(o) + '\n';
    if (buf.length > 1 << 20) {
      if (!file.write(buf)) await once(file, 'drain');
      buf = '';
    }
  }
  file.end(buf);
  await once(file, 'finish');
  process.stderr.write(`wrote ${lines} lines for ${videoCount} videos of project ${projectId} to ${out}\n`);
} finally {
  await db.close();
}
