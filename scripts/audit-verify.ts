// `npm run audit:verify`: recomputes the audit log's hash chain (issue 5) on the service's database
// (DATABASE_URL, or the embedded database under DATA_DIR; stop the service first in embedded mode,
// since PGlite allows one process). Exits 0 when intact, 1 naming the first broken row, 2 on error.
import { verifyAuditChain } from '../src/audit/verify-chain.js';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/storage/database.js';
import { openEmbeddedPostgres } from '../src/storage/embedded-postgres.js';

const config = loadConfig();
const db = config.DATABASE_URL
  ? await openPostgres(config.DATABASE_URL, 2)
  : await openEmbeddedPostgres(config.DATA_DIR, 2);
let code = 2;
try {
  const verdict = await verifyAuditChain(db.pool);
  if (verdict.ok) {
    console.log(`audit chain intact: ${verdict.rows} rows (${db.describe})`);
    code = 0;
  } else {
    console.error(`audit chain BROKEN at row id ${verdict.broken!.id}: ${verdict.broken!.reason}`);
    code = 1;
  }
} catch (err) {
  console.error('audit verification failed:', err instanceof Error ? err.message : err);
} finally {
  await db.close();
}
process.exit(code);
