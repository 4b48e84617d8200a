import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { poolsJsonSchema, renderSpecDocs } from '../shared/config/specDocs';

// `npm run docs:spec`: regenerates docs/pool-spec.md and pools.schema.json from the zod schema.
// Run from the repository root (npm does); the compiled script lives in dist/scripts.
const root = process.cwd();
writeFileSync(path.join(root, 'docs', 'pool-spec.md'), renderSpecDocs());
writeFileSync(
  path.join(root, 'pools.schema.json'),
  `${JSON.stringify(poolsJsonSchema(), null, 2)}\n`,
);
console.log('wrote docs/pool-spec.md and pools.schema.json');
