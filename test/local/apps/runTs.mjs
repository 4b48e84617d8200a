/**
 * Run a TypeScript file of this repository in a plain `node` process — for tests that need a real
 * child process (crash.test.ts kills one with SIGKILL). Each `.ts` module is transpiled on load by
 * the project's own TypeScript (no type check, CommonJS): offline, no build step, no `dist/` that
 * could be stale, and no extra dependency.
 *
 * Usage: node --enable-source-maps test/local/apps/runTs.mjs path/to/script.ts
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { resolve } from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
};

// The CommonJS loader's extension table is the supported-enough hook for this (Node 20 has no
// stable TypeScript loader); only this process is affected.
Module._extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions,
  });
  module._compile(outputText, filename);
};

const script = process.argv[2];
if (!script) {
  process.stderr.write('usage: node runTs.mjs <script.ts>\n');
  process.exit(2);
}
require(resolve(script));
