// Evaluation fields: the figures of one session's matching, mAP over COCO's thresholds on demand,
// and PR curves. Each evaluation comes from ctx.loaders.evaluationOf (memoized per request).
import { cocoThresholds } from '../../evaluation/metrics.js';
import type { DetectionMatchResolvers, EvaluationResolvers } from '../__generated__/resolvers-types.js';
import * as arg from '../args.js';

export const Evaluation: EvaluationResolvers = {
  testSession: (e) => e.session,
  overall: (e) => e.metrics.overall,
  perClass: (e, args) => e.metrics.perClass.slice(0, arg.listSize(args.first, 'Evaluation.perClass')),
  map: (e) => e.metrics.map,
  mapCoco: async (e, _, ctx) => {
    const maps = await Promise.all(
      cocoThresholds.map(async (iouThreshold) => (await ctx.loaders.evaluationOf({ session: e.session, iouThreshold, minConfidence: e.minConfidence })).metrics.map),
    );
    // Which classes have non-difficult boxes does not depend on the threshold: all null or none.
    const known = maps.filter((m): m is number => m !== null);
    return known.length === maps.length ? known.reduce((sum, m) => sum + m, 0) / maps.length : null;
  },
  prCurve: (e, args) => {
    const first = arg.listSize(args.first, 'Evaluation.prCurve');
    return (e.metrics.prCurves.get(arg.label(args.classLabel)!) ?? []).slice(0, first);
  },
};

export const DetectionMatch: DetectionMatchResolvers = {
  groundTruth: async (m, _, ctx) => (m.box ? ctx.loaders.groundTruthById.load(m.box.id) : null),
};
