// Vitest global setup: builds the console once before any suite, and only when web/dist is missing
// or older than its sources (scripts/build-web.ts), so unrelated test runs pay nothing.
import { buildWeb } from '../../scripts/build-web.js';

export default async function setup(): Promise<void> {
  await buildWeb({ quiet: true });
}
