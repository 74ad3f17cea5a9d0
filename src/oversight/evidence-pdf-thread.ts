// The evidence PDF off the event loop: one worker thread per document, one document at a time (an
// auditor's download is rare; a queue keeps a burst of them from taking every core).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EvidencePdfInput } from './evidence-pdf.js';

let queue: Promise<unknown> = Promise.resolve();
/**
 * The worker is TypeScript like the rest of the service (docs/decisions/0005): a small CommonJS
 * bootstrap registers tsx's ESM loader in the new thread, then imports it. (Node 20 does not apply
 * `--import` hooks to a worker's own entry module.) Addresses are absolute: any working directory.
 */
const TSX_API = (() => {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(join(dirname(manifest), pkg.exports['./esm/api'].import.default)).href;
})();
const WORKER = new URL('./evidence-pdf-worker.ts', import.meta.url).href;
const BOOTSTRAP = `(async () => {
  const { register } = await import(${JSON.stringify(TSX_API)});
  register();
  await import(${JSON.stringify(WORKER)});
})().catch((err) => { throw err; });`;

function renderInWorker(input: EvidencePdfInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { ...input, names: [...input.names] } });
    let settled = false;
    worker.once('message', (msg: { pdf?: Uint8Array; error?: string }) => {
      settled = true;
      if (msg.pdf) resolve(Buffer.from(msg.pdf));
      else reject(new Error(`evidence PDF failed: ${msg.error}`));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`evidence PDF worker exited with code ${code}`));
    });
  });
}

export function renderEvidencePdfOffThread(input: EvidencePdfInput): Promise<Buffer> {
  const result = queue.then(() => renderInWorker(input));
  queue = result.catch(() => {});
  return result;
}
