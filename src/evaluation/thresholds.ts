// The evaluation arguments every entry point checks the same way, before any SQL runs.
import { badInput } from '../errors.js';

export const defaultIouThreshold = 0.5;

/** An IoU threshold within (0, 1]: 0 would match boxes that do not overlap at all. */
export function requireIouThreshold(value: number | null | undefined, argument = 'iouThreshold'): number {
  const t = value ?? defaultIouThreshold;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 1) {
    throw badInput(argument, `${argument} must be within (0, 1], got: ${t}`);
  }
  return t;
}

/** A confidence floor within [0, 1]; matching compares it as float4, like the confidence column (takesPart). */
export function requireMinConfidence(value: number | null | undefined, argument = 'minConfidence'): number {
  const c = value ?? 0;
  if (typeof c !== 'number' || !Number.isFinite(c) || c < 0 || c > 1) {
    throw badInput(argument, `${argument} must be within [0, 1], got: ${c}`);
  }
  return c;
}
