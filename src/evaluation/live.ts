// What writes keep live of evaluation: with `live`, every write re-matches the (frame, class) groups it
// touched at `iouThreshold`, in its own transaction (src/services/evaluation.maintenance.ts).
import { defaultIouThreshold } from './thresholds.js';

export interface LiveEvaluation {
  live: boolean;
  iouThreshold: number;
}

export const defaultLiveEvaluation: LiveEvaluation = Object.freeze({ live: true, iouThreshold: defaultIouThreshold });
