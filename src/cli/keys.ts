// npm run keys -- create --name ci --admin | create --name bot --read <ids> --write <ids> | list | revoke <id|name>
// Manages API keys. `create` prints the new key once, alone on the last line of stdout; only its
// sha256 is stored, so a lost key cannot be shown again: revoke it and create another.
import { parseArgs } from 'node:util';
import { ApiKeyInputError, createApiKey, listKeys, revokeKey } from '../auth/api-keys.js';
import { ConfigError, loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';

const usage = `usage:
  npm run keys -- create --name <name> --admin
  npm run keys -- create --name <name> [--read <projectId,...>] [--write <projectId,...>]
  npm run keys -- list
  npm run keys -- revoke <id|name>`;

const ids = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { name: { type: 'string' }, admin: { type: 'boolean' }, read: { type: 'string' }, write: { type: 'string' } },
  });
  if (!['create', 'list', 'revoke'].includes(command ?? '')) {
    console.error(usage);
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    if (config.migrateOnStart) await migrate(db);
    if (command === 'create') {
      if (!values.name) throw new ApiKeyInputError('--name is required');
      const read = ids(values.read);
      const write = ids(values.write);
      if (!values.admin && !read.length && !write.length) throw new ApiKeyInputError('give --admin, or --read/--write project ids');
      const k = await createApiKey(db, { name: values.name, role: values.admin ? 'admin' : 'member', read, write });
      const access = values.admin ? 'admin' : `member read=${read.join(',') || '-'} write=${write.join(',') || '-'}`;
      console.log(`created key ${k.id} "${values.name}" (${access})`);
      console.log('the key is shown once, on the next line; store it now (only its hash is kept):');
      console.log(k.secret);
    } else if (command === 'list') {
      for (const k of await listKeys(db)) {
        const state = k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active';
        const access = k.role === 'admin' ? 'all projects' : `read=${k.readable.join(',') || '-'} write=${k.writable.join(',') || '-'}`;
        console.log(`${k.id}  ${k.name}  ${k.role}  ${state}  created ${new Date(k.createdAt).toISOString()}  ${access}`);
      }
    } else {
      const target = positionals[0];
      if (!target) throw new ApiKeyInputError('revoke needs a key id or name');
      const revoked = await revokeKey(db, target);
      if (!revoked.length) {
        console.error(`no active key with id or name ${JSON.stringify(target)}`);
        return 1;
      }
      console.log(`revoked ${revoked.length} key(s): ${revoked.join(', ')}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ApiKeyInputError || err instanceof ConfigError) {
      console.error(err.message);
      console.error(usage);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
