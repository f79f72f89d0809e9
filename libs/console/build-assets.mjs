// Builds the console's client script and copies its style sheet into one directory (argv[2]), which
// the gateway serves under content-hashed names. Used by the build and by the console's tests.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const src = join(dirname(fileURLToPath(import.meta.url)), 'src');

export function buildConsoleAssets(outDir) {
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [join(src, 'client/console.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    logLevel: 'warning',
    outfile: join(outDir, 'console.js'),
  });
  copyFileSync(join(src, 'assets/console.css'), join(outDir, 'console.css'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildConsoleAssets(resolve(process.argv[2] ?? 'dist/libs/console/assets'));
