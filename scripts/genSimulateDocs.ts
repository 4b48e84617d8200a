import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { refreshDocExamples } from '../local/simulate/docExamples';

// `npm run docs:simulate`: reruns the simulate commands the docs show and rewrites their output
// blocks. Run from the repository root (npm does); the compiled script lives in dist/scripts.
const DOCS = ['docs/simulate.md', 'docs/placement.md'];

async function run(): Promise<void> {
  for (const doc of DOCS) {
    const file = path.join(process.cwd(), doc);
    writeFileSync(file, await refreshDocExamples(readFileSync(file, 'utf8')));
    console.log(`refreshed ${doc}`);
  }
}

void run();
