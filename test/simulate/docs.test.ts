import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docExamples, exampleOutput, refreshDocExamples } from '../../local/simulate/docExamples';

/**
 * The worked `npm run simulate` examples in the docs are what the command prints today (runs are
 * deterministic for a seed). After a change of behaviour or report: `npm run docs:simulate`.
 */
const DOCS = ['docs/simulate.md', 'docs/placement.md'];

describe('worked simulate examples in the docs', () => {
  const examples = DOCS.flatMap((doc) =>
    docExamples(readFileSync(doc, 'utf8')).map((ex) => ({
      label: `${doc}: ${ex.args.join(' ')}`,
      ...ex,
    })),
  );

  it('finds the examples each document shows', () => {
    expect(examples.map((e) => e.label)).toEqual([
      'docs/simulate.md: --scenario examples/rollout-during-burst.json',
      'docs/simulate.md: --scenario examples/single-burst.json --json',
      'docs/placement.md: --scenario examples/two-regions.json',
    ]);
  });

  it.each(examples)(
    '$label shows what the command prints',
    async ({ args, shown }) => {
      expect(shown).toBe(await exampleOutput(args));
    },
    60_000,
  );

  it('refreshing rewrites a stale block and nothing else', async () => {
    const doc = [
      'Before.',
      '',
      '`npm run simulate -- --scenario examples/rollout-during-burst.json`:',
      '',
      '```',
      'stale',
      '```',
      '',
      'After.',
      '',
    ].join('\n');
    const fresh = await refreshDocExamples(doc);
    const output = await exampleOutput(['--scenario', 'examples/rollout-during-burst.json']);
    expect(fresh).toBe(doc.replace('stale', output));
  }, 60_000);
});
