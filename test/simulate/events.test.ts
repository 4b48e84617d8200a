/**
 * Timed events through the host's real endpoints (pools API with the function key, the ACR
 * webhook with its secret) and the emulator's control API, and the shipped examples: each one
 * validates, and the rollout-during-burst example completes its rollout while the backlog drains.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PoolReport } from '../../local/simulate/report';
import { simulate } from '../../local/simulate/run';
import { loadScenario, parseScenario } from '../../local/simulate/scenario';
import { burstScenario } from './fixtures';

describe('events', () => {
  it('scale, pause, resume, enqueue and injected errors act at their times and say how it went', async () => {
    const scenario = await parseScenario(
      burstScenario({
        duration: 900,
        workload: { orders: [{ kind: 'constant', rate: 1 }] },
        events: [
          { at: 30, action: 'armErrors', errors: [{ status: 503, kind: 'read', count: 1 }] },
          { at: 60, action: 'scale', pool: 'orders', count: 3, durationSeconds: 240 },
          { at: 400, action: 'pause', pool: 'orders', reason: 'maintenance' },
          { at: 420, action: 'enqueue', pool: 'orders', count: 3000 },
          { at: 600, action: 'resume', pool: 'orders' },
          { at: 610, action: 'faults', faults: { armServerErrorRate: 0 } },
          { at: 620, action: 'limits', limits: { createsPer5Min: 50 } },
          { at: 700, action: 'clearScale', pool: 'orders' },
        ],
      }),
    );
    const { report } = await simulate(scenario);
    const orders = report.pools[0] as PoolReport;
    expect({
      events: report.events,
      // The override held 3 groups; the paused pool did not react to the 3000 messages until resumed.
      peakGroups: orders.groups.peak >= 3,
      burst: orders.bursts.map((b) => ({
        start: b.startSeconds,
        drained: b.drainSeconds !== null,
      })),
      injected503: report.azure.arm5xx,
    }).toEqual({
      events: [
        { atSeconds: 30, action: 'armErrors', pool: null, status: 200, detail: '1× 503 on read' },
        { atSeconds: 60, action: 'scale', pool: 'orders', status: 202, detail: 'accepted' },
        { atSeconds: 400, action: 'pause', pool: 'orders', status: 202, detail: 'accepted' },
        { atSeconds: 420, action: 'enqueue', pool: 'orders', status: 200, detail: '3000 messages' },
        { atSeconds: 600, action: 'resume', pool: 'orders', status: 202, detail: 'accepted' },
        {
          atSeconds: 610,
          action: 'faults',
          pool: null,
          status: 200,
          detail: 'armServerErrorRate',
        },
        { atSeconds: 620, action: 'limits', pool: null, status: 200, detail: 'createsPer5Min' },
        { atSeconds: 700, action: 'clearScale', pool: 'orders', status: 202, detail: 'accepted' },
      ],
      peakGroups: true,
      burst: [{ start: 420, drained: true }],
      injected503: 1,
    });
    // Paused from 400 s to 600 s: the backlog could only start draining after the resume.
    const burst = orders.bursts[0];
    expect((burst?.drainSeconds ?? 0) + (burst?.startSeconds ?? 0)).toBeGreaterThan(600);
  });
});

describe('examples', () => {
  it('every scenario under examples/ is valid', async () => {
    const dir = path.resolve('examples');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    const loaded = await Promise.all(files.map((f) => loadScenario(path.join(dir, f))));
    expect(loaded.map((s) => s.name)).toEqual(files.map((f) => f.replace(/\.json$/, '')));
  });

  it('rollout-during-burst: v2 rolls out while the queue is deep, and the backlog drains', async () => {
    const scenario = await loadScenario(path.resolve('examples/rollout-during-burst.json'));
    const { report } = await simulate(scenario);
    const orders = report.pools[0] as PoolReport;
    const rollout = orders.rollouts[0];
    const burst = orders.bursts[0];
    expect({
      push: report.events.map((e) => [e.atSeconds, e.action, e.status]),
      rollouts: orders.rollouts.map((r) => r.outcome),
      // The push (720 s) came while the burst (from 600 s) was still draining …
      pushedDuringBurst:
        burst !== undefined &&
        burst.startSeconds < 720 &&
        burst.startSeconds + (burst.drainSeconds ?? Infinity) > 720,
      // … the rollout started then and finished within the pool's health timeout (600 s) …
      rolloutStartedAtPush: rollout?.startedAtSeconds === 720,
      rolloutTookLessThanTimeout: (rollout?.durationSeconds ?? Infinity) < 600,
      // … and every message was processed.
      drained: orders.messages.in === orders.messages.out && orders.messages.backlogAtEnd === 0,
    }).toEqual({
      push: [[720, 'push', 202]],
      rollouts: ['completed'],
      pushedDuringBurst: true,
      rolloutStartedAtPush: true,
      rolloutTookLessThanTimeout: true,
      drained: true,
    });
  });
});
