// `npm run bench -- <name> [--key value ...]`: runs bench/<name>.ts and writes its result as
// ../shared/BENCH.md prescribes: bench/results/<name>-<UTC timestamp>.json and <name>-latest.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModule } from './bench-types.js';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key?.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        args[key.slice(2)] = next;
        i++;
      } else args[key.slice(2)] = 'true';
    }
  }
  return args;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || !/^[a-z0-9-]+$/.test(name)) {
    console.error('usage: npm run bench -- <name> [--option value ...]');
    process.exit(2);
  }
  const mod = (await import(join(here, `${name}.ts`))) as BenchModule;
  const result = await mod.default(parseArgs(rest));
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const record = {
    bench: name,
    at,
    commit: gitCommit(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    config: result.config,
    figures: result.figures,
    ratios: result.ratios ?? {},
    ...(result.notes ? { notes: result.notes } : {}),
    ...(result.series ? { series: result.series } : {}),
  };
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(record, null, 2)}\n`;
  writeFileSync(join(dir, `${name}-${at.replace(/[:]/g, '')}.json`), json);
  writeFileSync(join(dir, `${name}-latest.json`), json);
  console.log(json);
  process.exit(0);
}

await main();
