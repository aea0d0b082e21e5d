// A statement built once at module load from drizzle's `sql` and the schema's column references (a
// renamed column fails to compile), bound per call by placeholder name. A request sends a fixed text:
// prepared once per connection, named once by the metrics memo, with only its values new.
import { is, Placeholder, type SQL } from 'drizzle-orm';
import { CasingCache } from 'drizzle-orm/casing';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Param, Queryable } from './client.js';

const dialect = new PgDialect();
const casing = new CasingCache();

export type Values = Readonly<Record<string, Param>>;

export class Statement {
  readonly text: string;
  /** The placeholder behind each positional parameter ($1 first); a name used twice is one parameter. */
  private readonly names: readonly string[];

  constructor(query: SQL) {
    const names: string[] = [];
    this.text = query.toQuery({
      casing,
      escapeName: (name) => dialect.escapeName(name),
      escapeString: (text) => dialect.escapeString(text),
      escapeParam: (_position, value) => {
        // A value inlined in the template, or drizzle's `eq(column, placeholder)` (a Param around it),
        // would be bound at build time, once for every request.
        if (!is(value, Placeholder)) throw new Error(`statement values must be sql.placeholder(name) in the template, but got: ${String(value)}`);
        let index = names.indexOf(value.name);
        if (index < 0) index = names.push(value.name) - 1;
        return `$${index + 1}`;
      },
    }).sql;
    this.names = names;
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
