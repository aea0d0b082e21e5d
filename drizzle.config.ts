import { defineConfig } from 'drizzle-kit';

// drizzle-kit generates the table migrations from src/db/schema.ts; triggers, aggregates and the
// CONCURRENTLY-built indexes are hand-written (see drizzle/README.md).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
