// Runs renderEvidencePdf in a worker thread (evidence-pdf-thread.ts): laying out a bundle and
// subsetting the CJK font takes about a second of CPU, which must not stall the event loop that
// ingests fixes and pushes alerts.
import { parentPort, workerData } from 'node:worker_threads';
import { type EvidencePdfInput, renderEvidencePdf } from './evidence-pdf.js';

const input = workerData as Omit<EvidencePdfInput, 'names'> & { names: [string, string][] };
renderEvidencePdf({ ...input, names: new Map(input.names) }).then(
  (pdf) => parentPort?.postMessage({ pdf: new Uint8Array(pdf) }),
  (err: unknown) => parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) }),
);
