import { fileURLToPath } from 'node:url';

export const pgliteTemplatePath = fileURLToPath(
  new URL('../../node_modules/.cache/truthgraph/pglite-template.tar.gz', import.meta.url),
);
