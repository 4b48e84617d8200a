/**
 * The soak, shortened to two model hours: every check holds, and the faults and throttling it
 * claims to run under did happen (so the checks cannot pass on a quiet run). The checks
 * themselves are tested on reports changed to break each one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolReport, Report } from '../../local/simulate/report';
import type { SoakResult } from '../../local/simulate/soak';
import { renderSoak, runSoak, soakChecks } from '../../local/simulate/soak';

let soak: SoakResult;

beforeAll(async () => {
  soak = await runSoak({ hours: 2, seed: 1 });
}, 120_000);

describe('npm run soak, shortened to two model hours', () => {
  it('holds every check', () => {
    expect(soak.checks.filter((c) => !c.ok)).toEqual([]);
    expect(renderSoak(soak)).not.toContain('FAIL');
  });

  it('ran under what it says: ARM 5xx and throttling, Service Bus 5xx, capacity failures', () => {
    const { tight, twin } = soak;
    const sum = (f: (p: PoolReport) => number) => tight.pools.reduce((n, p) => n + f(p), 0);
    expect({
      arm5xx: tight.azure.arm5xx > 0,
      throttled: tight.azure.arm429 > 0,
      twinNotThrottled: twin.azure.arm429,
      serviceBus5xx: tight.azure.serviceBus5xx > 0,
      capacity: sum((p) => p.placement.refused.capacity + p.placement.capacityFailures) > 0,
      replaced: sum((p) => p.placement.replacedGroups) === sum((p) => p.placement.failedGroups),
    }).toEqual({
      arm5xx: true,
      throttled: true,
      twinNotThrottled: 0,
      serviceBus5xx: true,
      capacity: true,
      replaced: true,
    });
  });
});

describe('the soak checks fail when what they check breaks', () => {
  /** The tight run with one pool's report changed. */
  const broken = (change: (p: PoolReport) => PoolReport): Report => ({
    ...soak.tight,
    pools: soak.tight.pools.map((p, i) => (i === 0 ? change(p) : p)),
  });
  it.each<{ label: string; report: () => Report; twin?: () => Report; failed: string }>([
    {
      label: 'a pool above maxGroups',
      report: () => broken((p) => ({ ...p, groups: { ...p.groups, peak: p.maxGroups + 1 } })),
      failed: 'never above maxGroups',
    },
    {
      label: 'an orphan',
      report: () => broken((p) => ({ ...p, controller: { ...p.controller, orphansAtEnd: 1 } })),
      failed: 'nothing orphaned at the end',
    },
    {
      label: 'a failed group still there at the end',
      report: () => broken((p) => ({ ...p, controller: { ...p.controller, notLiveAtEnd: 1 } })),
      failed: 'converged within two ticks',
    },
    {
      label: 'a pool that stopped looking',
      report: () =>
        broken((p) => ({ ...p, controller: { ...p.controller, maxLookGapSeconds: 3600 } })),
      failed: 'no starved pool',
    },
    {
      label: 'messages left',
      report: () => broken((p) => ({ ...p, messages: { ...p.messages, out: p.messages.in - 1 } })),
      failed: 'messages in = out',
    },
    {
      label: 'reads multiplied by throttling',
      report: () => ({
        ...soak.tight,
        azure: { ...soak.tight.azure, armReads: Math.ceil(soak.twin.azure.armReads * 1.25) },
      }),
      failed: 'ARM reads within',
    },
  ])('$label', ({ report, failed }) => {
    const failing = soakChecks(report(), soak.twin).filter((c) => !c.ok);
    expect(failing.map((c) => c.label.slice(0, failed.length))).toEqual([failed]);
  });
});
