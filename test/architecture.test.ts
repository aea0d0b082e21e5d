// The dependency rule of STYLE.md, checked on the source: graphql → loaders / services → db/queries →
// db/schema. Resolvers never reach a driver or SQL; the data layer never imports GraphQL.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '__generated__' ? [] : sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);

const rules: { area: string; forbidden: RegExp; why: string }[] = [
  { area: 'graphql/resolvers', forbidden: /^(postgres|ioredis|@electric-sql\/pglite|drizzle-orm)|\/db\/(queries|client)/, why: 'resolvers call loaders and services only' },
  { area: 'loaders', forbidden: /^(graphql|@apollo|ioredis)|\/graphql\//, why: 'loaders know nothing of GraphQL or the cache store' },
  { area: 'db', forbidden: /^(graphql|@apollo|dataloader|ioredis)|\/(graphql|loaders|services|cache)\//, why: 'the data layer sits below everything' },
];

describe('dependency rule', () => {
  for (const rule of rules) {
    it(`src/${rule.area} never imports what sits above it (${rule.why})`, () => {
      const offenders = sources(join(root, rule.area)).flatMap((file) =>
        imports(file).filter((spec) => rule.forbidden.test(spec)).map((spec) => `${relative(root, file)} → ${spec}`),
      );
      expect(offenders).toEqual([]);
    });
  }
});
