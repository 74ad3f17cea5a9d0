// Poppler's command-line tools (Debian poppler-utils, scripts/install-poppler.sh) turn a PDF into text
// and page images, so a test checks what a person would see. In CI a missing tool fails; elsewhere
// the PDF suites skip and say how to install it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function popplerAvailable(): boolean {
  if (existsSync('/usr/bin/pdftoppm') && existsSync('/usr/bin/pdftotext')) return true;
  const message = 'pdftoppm / pdftotext not found; install them with scripts/install-poppler.sh';
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`skipping PDF tests: ${message}`);
  return false;
}

/** The PDF's text, in reading order (pdftotext -layout off). */
export function pdfText(pdfPath: string): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
}

export interface PageImage {
  png: string;
  width: number;
  height: number;
  /** Share of pixels darker than mid-grey: text and rules on a white page. */
  inkRatio: number;
  /** The same above the bottom eighth of the page, where a footer sits: zero on a page with only a footer. */
  bodyInkRatio: number;
}

/**
 * Renders every page to PNG under `dir` (kept as test artifacts) and, for the check, to 8-bit
 * greyscale PGM, whose raw bytes can be counted without an image library.
 */
export function pdfPages(pdfPath: string, dir: string, name: string, dpi = 60): PageImage[] {
  mkdirSync(dir, { recursive: true });
  execFileSync('pdftoppm', ['-r', String(dpi), '-png', pdfPath, join(dir, name)]);
  execFileSync('pdftoppm', ['-r', String(dpi), '-gray', pdfPath, join(dir, `${name}-gray`)]);
  const pgms = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-gray-`) && f.endsWith('.pgm'))
    .sort();
  return pgms.map((f) => {
    const data = readFileSync(join(dir, f));
    // P5 header: magic, width, height, maxval, each separated by whitespace, then one byte per pixel.
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 64).toString('latin1'));
    if (!header) throw new Error(`not a binary PGM: ${f}`);
    const [all, w, h] = header;
    const pixels = data.subarray(all.length);
    const bodyEnd = Number(w) * Math.floor((Number(h) * 7) / 8);
    let ink = 0;
    let bodyInk = 0;
    for (let i = 0; i < pixels.length; i++) {
      if (pixels[i]! < 128) {
        ink++;
        if (i < bodyEnd) bodyInk++;
      }
    }
    const png = join(dir, f.replace('-gray', '').replace(/\.pgm$/, '.png'));
    return {
      png,
      width: Number(w),
      height: Number(h),
      inkRatio: ink / pixels.length,
      bodyInkRatio: bodyInk / bodyEnd,
    };
  });
}
