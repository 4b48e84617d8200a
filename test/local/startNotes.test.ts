/**
 * What npm start says at a restart: a decision from before this start is marked as history, the
 * start says it is clean, and the history an earlier start left is removed (the new emulator has
 * none of the groups it describes). A stack never resumes persisted controllers against a new
 * emulator.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { clearEarlierHistory, startStack } from '../../local/stack';
import { cleanStartNote, decisionLine, startFailure } from '../../local/startNotes';
import { readSettings } from '../../shared/config/settings';
import type { StatusDecision } from '../../shared/controller/status';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(path.join(tmpdir(), 'surge-start-'));
  dirs.push(d);
  return d;
};

const decision = (at: string): StatusDecision => ({
  at,
  trigger: 'depth',
  desired: 5,
  live: 1,
  running: 1,
  pending: 0,
  failed: 0,
  creates: 4,
  deletes: 0,
  reason: 'backlog 1480',
});

describe('decision lines', () => {
  it.each([
    {
      label: 'made after this start: as it is',
      at: '2026-12-04T10:04:45.000Z',
      line: '10:04:45 orders   desired 5 (+4) [depth]: backlog 1480',
    },
    {
      label: 'made before this start: marked as history',
      at: '2026-12-04T09:59:00.000Z',
      line: '09:59:00 orders   desired 5 (+4) [depth] (history: before this start): backlog 1480',
    },
  ])('$label', ({ at, line }) => {
    expect(decisionLine('orders', decision(at), '2026-12-04T10:00:00.000Z')).toBe(line);
  });
});

describe('a clean start', () => {
  it('removes the Durable history an earlier start left, keeps the keys, and says so', async () => {
    const dir = await tempDir();
    for (const f of ['durable.sqlite', 'durable.sqlite-wal', 'keys.json']) {
      await writeFile(path.join(dir, f), 'x');
    }
    const first = await clearEarlierHistory(dir);
    const second = await clearEarlierHistory(dir);
    expect({
      first,
      second,
      left: (await readdir(dir)).sort(),
      note: cleanStartNote(first, dir).includes('history from an earlier start was removed'),
      quietNote: cleanStartNote(second, dir).includes('removed'),
    }).toEqual({ first: true, second: false, left: ['keys.json'], note: true, quietNote: false });
  });

  it('refuses to resume persisted controllers against an emulator it starts itself', async () => {
    await expect(
      startStack({
        clock: new VirtualClock(Date.parse('2026-12-04T10:00:00Z')),
        stateDir: await tempDir(),
        appEntry: 'functions/index.ts',
        poolsJson: '{"pools":[]}',
        persist: true,
      }),
    ).rejects.toThrow(/persist needs an attached emulator/);
  });
});

describe('what npm start says when it cannot start', () => {
  const settingError = (() => {
    try {
      readSettings({ SURGE_TELEMETRY_EXPORTER: 'jaeger' });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  const portTaken = Object.assign(new Error('listen EADDRINUSE: address already in use :::7071'), {
    code: 'EADDRINUSE',
  });
  const other = new Error('boom');
  it.each([
    {
      label: 'a refused app setting: its message, no stack trace',
      error: settingError,
      expected:
        'SURGE_TELEMETRY_EXPORTER: "jaeger" is not one of console, otlp (leave it unset for Azure Monitor)',
    },
    {
      label: 'a port taken: which flags choose another',
      error: portTaken,
      expected:
        'listen EADDRINUSE: address already in use :::7071: the port is taken (another npm start, or Core Tools?). Choose others with --dashboard-port, --host-port or --emulator-port.',
    },
    { label: 'anything else: the stack', error: other, expected: other.stack },
  ])('$label', ({ label, error, expected }) => {
    expect(startFailure(error), label).toBe(expected);
  });
});
