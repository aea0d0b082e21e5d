// Transactions on postgres.js: BEGIN … COMMIT on a reserved connection, and what happens when that
// connection is lost on the way (no statement sent after the loss, no ROLLBACK or release of a dead
// connection).
import type postgres from 'postgres';

/** Errors after which postgres.js has already closed the connection and taken it back. */
const connectionLostCodes = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '25P03']);

/**
 * BEGIN … COMMIT on a connection reserved before BEGIN is sent. postgres.js's own sql.begin() can
 * pipeline BEGIN onto a busy connection without reserving it (porsager/postgres#823, #1189): the
 * caller gets UNSAFE_TRANSACTION while the server-side transaction stays open on a connection the
 * pool then lends to unrelated statements (measured: 1 in 10 concurrent updateVideo calls failed;
 * test/db/transactions.test.ts reproduces it). reserve() hands out idle connections only.
 */
export async function reservedTransaction<T>(
  sql: postgres.Sql,
  fn: (tx: postgres.ReservedSql, send: <R>(statement: () => Promise<R>) => Promise<R>) => Promise<T>,
): Promise<T> {
  const tx = await sql.reserve();
  let lost: unknown = null;
  const track = (err: unknown) => {
    if (connectionLostCodes.has((err as { code?: string } | null)?.code ?? '')) lost ??= err;
    return err;
  };
  // Statements sent through `send` are refused once one of them lost the connection: postgres.js would
  // write the next one to the closed socket (a TypeError thrown from a setImmediate, which ends the
  // process). Statements sent concurrently (an ingest's read and COPY) make that reachable.
  const send = async <R>(statement: () => Promise<R>): Promise<R> => {
    if (lost) throw lost;
    try {
      return await statement();
    } catch (err) {
      throw track(err);
    }
  };
  try {
    await tx.unsafe('BEGIN');
    let result: T;
    try {
      result = await fn(tx, send);
    } catch (err) {
      track(err);
      if (!lost) await tx.unsafe('ROLLBACK').catch(track);
      throw err;
    }
    if (lost) throw lost;
    try {
      await tx.unsafe('COMMIT');
    } catch (err) {
      // The commit may have landed before the connection died: never run the transaction again.
      if (err && typeof err === 'object') (err as { commitSent?: boolean }).commitSent = true;
      throw err;
    }
    return result;
  } catch (err) {
    throw track(err);
  } finally {
    // A lost connection is already back in the pool's closed set; releasing it would list it as idle.
    if (!lost) tx.release();
  }
}
