// The read-your-acknowledged-writes check of a load run: a read may show the value of any write that
// could have been the last one committed when it started, never one that an acknowledged write had
// already replaced. Writes run concurrently, so "replaced" is decided by real-time order only: write
// k replaced write j for a read R when j was answered before k was sent and k before R was sent.

export interface TimedWrite {
  start: number;
  end: number;
  value: string;
}

export interface TimedRead {
  start: number;
  end: number;
  /** The value the read showed. */
  value: string;
}

export interface StaleRead extends TimedRead {
  /** The acknowledged write the read should have seen instead (or the reason it could not be placed). */
  replacedBy: string;
}

/**
 * Returns every read that showed a value older than a write acknowledged before the read began.
 * `initial` is the value before the first write; `writes` are the acknowledged writes only.
 */
export function staleReads(initial: string, writes: readonly TimedWrite[], reads: readonly TimedRead[]): StaleRead[] {
  const byValue = new Map(writes.map((w) => [w.value, w]));
  const stale: StaleRead[] = [];
  for (const r of reads) {
    const acked = writes.filter((w) => w.end < r.start);
    if (r.value === initial) {
      if (acked.length) stale.push({ ...r, replacedBy: acked[0].value });
      continue;
    }
    const shown = byValue.get(r.value);
    if (!shown) {
      stale.push({ ...r, replacedBy: `no acknowledged write of ${JSON.stringify(r.value)}` });
      continue;
    }
    const newer = acked.find((w) => w.start > shown.end);
    if (newer) stale.push({ ...r, replacedBy: newer.value });
  }
  return stale;
}
