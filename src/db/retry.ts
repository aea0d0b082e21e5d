// Sending work again when it failed on a connection that never reached PostgreSQL: which errors mean
// that, how often and after what pauses. Callers decide what is safe to send twice (src/db/client.ts).

/**
 * Errors of a connection that never reached a live server with this statement: a connect attempt
 * made during an outage, or a connection the outage killed that the pool had not yet noticed (reset,
 * or closed under the statement). For
 * tens of milliseconds after PostgreSQL is back, statements sent to such connections fail at once
 * (measured: 25 of them, all within 30 ms) although the next connection would answer.
 */
const unreachedCodes = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03']);
const retryDelaysMs = [0, 20, 50];

/**
 * Runs `attempt` again when it failed on a connection that never reached the server. Only for work
 * that is safe to send twice: read-only statements, and transactions (a failure before COMMIT
 * rolls the whole transaction back; a lost COMMIT is not retried, see reservedTransaction).
 */
export function retryUnreached<T>(attempt: () => Promise<T>, retries = 0): Promise<T> {
  // A promise chain, not an async loop: the first attempt, which nearly always answers, costs no async step.
  let sent: Promise<T>;
  try {
    sent = attempt();
  } catch (err) {
    sent = Promise.reject(err);
  }
  return sent.catch((err: unknown) => {
    const code = (err as { code?: string } | null)?.code ?? '';
    if (retries >= retryDelaysMs.length || !unreachedCodes.has(code) || (err as { commitSent?: boolean }).commitSent) throw err;
    const delayMs = retryDelaysMs[retries];
    const wait = delayMs > 0 ? new Promise((r) => setTimeout(r, delayMs)) : Promise.resolve();
    return wait.then(() => retryUnreached(attempt, retries + 1));
  });
}
