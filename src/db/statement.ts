// A statement built once at module load from drizzle's `sql` and the schema's column references (a
// renamed column fails to compile), bound per call by placeholder name. A request sends a fixed text:
// prepared once per connection, named once by the metrics memo, with only its values new.
import { is, Placeholder, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Param, Queryable } from './client.js';

const dialect = new PgDialect();

export type Values = Readonly<Record<string, Param>>;

export class Statement {
  readonly text: string;
  /** The placeholder behind each positional parameter, in order ($1 first). */
  private readonly names: readonly string[];

  constructor(query: SQL) {
    const { sql: text, params } = dialect.sqlToQuery(query);
    this.text = text;
    this.names = params.map((param) => {
      if (!is(param, Placeholder)) throw new Error(`a value in ${text} must be a sql.placeholder, but got: ${String(param)}`);
      return param.name;
    });
  }

  /** The positional values; every placeholder needs one (null, not a missing key, for a filter that is off). */
  values(named: Values): Param[] {
    const { names } = this;
    const out = new Array<Param>(names.length);
    for (let i = 0; i < names.length; i++) {
      const value = named[names[i]];
      if (value === undefined) throw new Error(`no value for placeholder "${names[i]}" of ${this.text}`);
      out[i] = value;
    }
    return out;
  }

  run<T = Record<string, unknown>>(db: Queryable, named: Values): Promise<T[]> {
    return db.query<T>(this.text, this.values(named));
  }
}
