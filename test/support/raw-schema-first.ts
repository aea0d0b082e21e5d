// The control of test/graphql/one-byte-answers.test.ts, preloaded before the server's own modules:
// the schema's names taken from schema.graphql's text as read — a two-byte string — and used as
// property keys before the app builds its schema, so V8 keeps them two-byte, as it did before
// src/graphql/schema.ts copied them (oneByteDocument). The answers must then come out two-byte.
import { readFileSync } from 'node:fs';
import { parse, visit } from 'graphql';

const keys: Record<string, true> = Object.create(null);
visit(parse(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')), {
  Name: (node) => {
    keys[node.value] = true;
  },
});
