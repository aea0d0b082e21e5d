// npm run db:rebuild-evaluations — makes every session live at EVALUATION_LIVE_IOU (docs/evaluation.md):
// sessions created before live evaluation existed, while EVALUATION_LIVE was off, or under another
// threshold are evaluated on demand until rebuilt. One transaction per session; safe while serving.
import { loadConfig } from '../config.js';
import { sessionsNotLive } from '../db/queries/live-evaluation.queries.js';
import { openDatabase } from '../db/open.js';
import { rebuildLiveEvaluation } from '../services/evaluation.maintenance.js';

const config = loadConfig();
const db = await openDatabase(config);
try {
  if (!config.EVALUATION_LIVE) throw new Error('EVALUATION_LIVE is false: nothing is kept live');
  const started = performance.now();
  const ids = await sessionsNotLive(db, config.EVALUATION_LIVE_IOU);
  const n = await rebuildLiveEvaluation(db, ids, { live: true, iouThreshold: config.EVALUATION_LIVE_IOU });
  console.log(`${n} sessions made live at IoU ${config.EVALUATION_LIVE_IOU} in ${Math.round(performance.now() - started)} ms`);
} finally {
  await db.close();
}
