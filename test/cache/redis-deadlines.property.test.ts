// RedisConnection's command timeouts: one timer per timeout length serves every command in flight
// (src/cache/redis-connection.ts). Generated schedules of commands — sent at various times, normal or
// bulk, answered (or failing) after various delays or never — on a fake clock: each command ends as a
// timer per command would end it, answered if it answered before its deadline, timed out otherwise.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { RedisConnection } from '../../src/cache/redis-connection.js';
import { redisUrl } from '../support/redis.js';

const commandMs = 30;
const bulkMs = 100;

interface Command {
  /** Fake milliseconds after the previous command was sent. */
  gap: number;
  bulk: boolean;
  /** Milliseconds after sending when it answers; null: never. Never within 1 ms of its deadline. */
  answerAfter: number | null;
  fails: boolean;
}

const command = fc
  .record({ gap: fc.integer({ min: 0, max: 40 }), bulk: fc.boolean(), answerAfter: fc.option(fc.integer({ min: 0, max: 150 }), { nil: null }), fails: fc.boolean() })
  .filter((c) => c.answerAfter === null || Math.abs(c.answerAfter - (c.bulk ? bulkMs : commandMs)) > 1);

describe.skipIf(!redisUrl)('RedisConnection command timeouts (needs REDIS_URL)', () => {
  it('ends each command by its answer before its deadline, or by a timeout at it (generated schedules)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        // A connection per schedule: a failing one leaves nothing behind for the next (or for shrinking).
        // Its breaker never trips: this is about which commands time out, not about what follows.
        const conn = new RedisConnection({ url: redisUrl!, commandTimeoutMs: commandMs, bulkTimeoutMs: bulkMs, resetMs: 60_000, failureThreshold: 1e9 });
        expect(await conn.waitUntilReady(2000)).toBe(true);
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
        try {
          const outcomes: string[] = new Array(commands.length).fill('pending');
          for (const [i, c] of commands.entries()) {
            if (c.gap > 0) await vi.advanceTimersByTimeAsync(c.gap);
            void conn
              .run(
                () =>
                  new Promise<string>((resolve, reject) => {
                    if (c.answerAfter !== null) setTimeout(() => (c.fails ? reject(new Error('failed')) : resolve('ok')), c.answerAfter);
                  }),
                { bulk: c.bulk },
              )
              .then(
                (v) => void (outcomes[i] = v),
                (err: Error) => void (outcomes[i] = /timed out after (\d+) ms/.exec(err.message)?.[0] ?? err.message),
              );
          }
          // Every answer and deadline is past; a command still pending here fails the property rather
          // than hanging it.
          await vi.advanceTimersByTimeAsync(bulkMs + 200);
          await new Promise((r) => setImmediate(r));
          const expected = commands.map((c) => {
            const ms = c.bulk ? bulkMs : commandMs;
            if (c.answerAfter !== null && c.answerAfter < ms) return c.fails ? 'failed' : 'ok';
            return `timed out after ${ms} ms`;
          });
          expect(outcomes).toEqual(expected);
        } finally {
          vi.useRealTimers();
          await conn.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
