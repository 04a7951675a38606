/**
 * `npm run db:roles [-- --print] [--url URL] [--owner NAME] [--service NAME] [--owner-password P] [--service-password P]`:
 * creates (idempotently) the owner and the service role, gives the owner the schema and its objects, and
 * grants the service what it needs (src/db/roles.ts); `--print` prints that SQL instead of running it.
 * Runs as an administrator: --url, else DATABASE_ADMIN_URL, else DATABASE_URL — the database of the URL is the
 * service's. Names and passwords also from SUICHA_DB_OWNER_ROLE, SUICHA_DB_SERVICE_ROLE, SUICHA_DB_OWNER_PASSWORD,
 * SUICHA_DB_SERVICE_PASSWORD (defaults suicha_owner, suicha_service, no password: set one for password auth).
 */
import { parseArgs } from 'node:util';
import { openPostgres } from '../src/db/client.ts';
import { applyRoles, checkRoleName, DEFAULT_OWNER_ROLE, DEFAULT_SERVICE_ROLE, rolesScript, type RoleOptions } from '../src/db/roles.ts';

function fail(message: string): never {
  console.error(`db:roles: ${message}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      print: { type: 'boolean', default: false },
      url: { type: 'string' },
      owner: { type: 'string' },
      service: { type: 'string' },
      'owner-password': { type: 'string' },
      'service-password': { type: 'string' },
    },
    strict: true,
  }).values;
} catch (err) {
  fail((err as Error).message);
}
const env = process.env;
const pick = (flag: string | undefined, name: string) => flag ?? (env[name]?.trim() || undefined);
let options: RoleOptions;
try {
  options = {
    owner: checkRoleName(pick(args.owner, 'SUICHA_DB_OWNER_ROLE') ?? DEFAULT_OWNER_ROLE, 'owner role (--owner, SUICHA_DB_OWNER_ROLE)'),
    service: checkRoleName(pick(args.service, 'SUICHA_DB_SERVICE_ROLE') ?? DEFAULT_SERVICE_ROLE, 'service role (--service, SUICHA_DB_SERVICE_ROLE)'),
    ownerPassword: pick(args['owner-password'], 'SUICHA_DB_OWNER_PASSWORD') ?? null,
    servicePassword: pick(args['service-password'], 'SUICHA_DB_SERVICE_PASSWORD') ?? null,
  };
  if (options.owner === options.service) fail('the owner and the service role must differ');
} catch (err) {
  fail((err as Error).message);
}

if (args.print) {
  process.stdout.write(rolesScript(options));
} else {
  const url = pick(args.url, 'DATABASE_ADMIN_URL') ?? pick(undefined, 'DATABASE_URL');
  if (!url) fail('no database: pass --url postgres://admin@host/database (or set DATABASE_ADMIN_URL), or --print for the SQL');
  if (!/^postgres(ql)?:\/\//.test(url)) fail('the URL must start with postgres:// or postgresql://');
  const admin = await openPostgres(url, { max: 1 });
  try {
    await applyRoles(admin, options);
    const [db] = await admin.rawTransaction((tx) => tx.query<{ name: string }>('SELECT current_database() AS name'));
    console.log(`roles ready: owner ${options.owner}, service ${options.service} (database ${db.name})`);
  } catch (err) {
    fail((err as Error).message);
  } finally {
    await admin.close();
  }
}
