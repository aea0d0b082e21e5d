// A view of a Db that records the name of every statement sent through it or its counted views, for
// tests that assert which statements a request sent (not only how many).
import { statementName, type Db, type SqlStats } from '../../src/db/client.js';

export function recording(db: Db, names: string[]): Db {
  return {
    ...db,
    query: (text, params) => {
      names.push(statementName(text));
      return db.query(text, params);
    },
    counted: (s: SqlStats) => recording(db.counted(s), names),
  };
}
