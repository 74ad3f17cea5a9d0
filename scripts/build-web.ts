// Bundles the console (web/) into web/dist with esbuild: one script and one stylesheet (two entries;
// scripts import no CSS), content-hashed so the server may let browsers cache them for good, and
// index.html pointing at them. Skips the
// build when web/dist is newer than every input, so `npm start` and the test setup may call it
// every time. `--force` rebuilds anyway.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const INDEX = join(DIST, 'index.html');

/** Everything the bundle is made from: sources, the template, this script, and the locked deps. */
function newestInput(): number {
  const files = [join(WEB, 'index.html'), fileURLToPath(import.meta.url), join(ROOT, 'package-lock.json')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(WEB, 'src'));
  for (const enums of ['schemas/enums.ts']) files.push(join(ROOT, enums));
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

export function consoleIsStale(): boolean {
  try {
    return statSync(INDEX).mtimeMs < newestInput();
  } catch {
    return true;
  }
}

export async function buildWeb(
  options: { force?: boolean; quiet?: boolean } = {},
): Promise<'built' | 'fresh'> {
  const say = (line: string) => options.quiet || console.log(line);
  if (!options.force && !consoleIsStale()) {
    say('console: web/dist is up to date');
    return 'fresh';
  }
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const result = await build({
    entryPoints: [join(WEB, 'src/main.ts'), join(WEB, 'src/styles.css')],
    bundle: true,
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: true,
    outdir: DIST,
    entryNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    loader: { '.png': 'file', '.svg': 'file' },
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const script = outputs.find((f) => /^main-.*\.js$/.test(f));
  const style = outputs.find((f) => /^styles-.*\.css$/.test(f));
  if (!script) throw new Error('esbuild produced no main script');
  const tags = [
    style ? `<link rel="stylesheet" href="/assets/${style}" />` : '',
    `<script type="module" src="/assets/${script}"></script>`,
  ].join('\n    ');
  const template = readFileSync(join(WEB, 'index.html'), 'utf8');
  // Written last: its mtime is what marks the build complete (consoleIsStale).
  writeFileSync(INDEX, template.replace('<!--EM_ASSETS-->', tags));
  say(`console: built web/dist in ${Date.now() - started} ms (${script}${style ? `, ${style}` : ''})`);
  return 'built';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildWeb({ force: process.argv.includes('--force') }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
