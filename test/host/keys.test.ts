/**
 * Function keys: generated once (crypto-random, URL-safe), persisted owner-only, reused on the
 * next start (also through startHost), malformed files refused; the authorization table and
 * where a key is read from.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { startHost } from '../../local/host/host';
import type { HostKeys } from '../../local/host/keys';
import {
  authorize,
  durableApiRefusal,
  generateKey,
  KeysFileError,
  loadOrCreateKeys,
  presentedKey,
  safeEqual,
} from '../../local/host/keys';
import { collectingHostLog } from '../../local/host/log';
import { expectResult, T0, TempDirs } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.removeAll());

describe('generating and persisting', () => {
  it('generates URL-safe 256-bit keys', () => {
    const keys = Array.from({ length: 20 }, generateKey);
    expectResult(
      'format',
      {
        allUrlSafe43: keys.every((k) => /^[A-Za-z0-9_-]{43}$/.test(k)),
        distinct: new Set(keys).size,
      },
      { allUrlSafe43: true, distinct: 20 },
    );
  });

  it('creates keys once, persists them owner-only, and reuses them', async () => {
    const dir = path.join(temp.make(), 'nested', '.state');
    const first = await loadOrCreateKeys(dir);
    const second = await loadOrCreateKeys(dir);
    const onDisk = JSON.parse(readFileSync(first.file, 'utf8')) as unknown;
    expectResult(
      'persisted',
      {
        created: [first.created, second.created],
        same: second.keys,
        onDisk,
        mode: (statSync(first.file).mode & 0o777).toString(8),
        names: Object.keys(first.keys.functionKeys),
        systemNames: Object.keys(first.keys.systemKeys),
      },
      {
        created: [true, false],
        same: first.keys,
        onDisk: first.keys,
        mode: '600',
        names: ['default'],
        systemNames: ['durabletask_extension'],
      },
    );
  });

  it('startHost reuses the keys of its state folder', async () => {
    const stateDir = temp.make();
    const start = () =>
      startHost({
        appEntry: 'test/host/apps/httpApp.ts',
        stateDir,
        clock: new VirtualClock(T0),
        port: 0,
        log: collectingHostLog(),
      });
    const first = await start();
    const firstKeys = first.keys;
    await first.close();
    const second = await start();
    const secondKeys = second.keys;
    await second.close();
    expect(secondKeys).toEqual(firstKeys);
  });

  it('adds the Durable system key to a file from before system keys, keeping the others', async () => {
    const dir = temp.make();
    const old = { masterKey: 'm'.repeat(20), functionKeys: { default: 'f'.repeat(20) } };
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(old));
    const loaded = await loadOrCreateKeys(dir, () => 's'.repeat(43));
    const again = await loadOrCreateKeys(dir);
    expect({ loaded: loaded.keys, created: loaded.created, again: again.keys }).toEqual({
      loaded: { ...old, systemKeys: { durabletask_extension: 's'.repeat(43) } },
      created: false,
      again: loaded.keys,
    });
  });

  const malformed: { label: string; text: string; problem: string }[] = [
    {
      label: 'short system key',
      text: JSON.stringify({
        masterKey: 'm'.repeat(20),
        functionKeys: {},
        systemKeys: { durabletask_extension: 'short' },
      }),
      problem: '"systemKeys.durabletask_extension" must be a string of at least 16 characters',
    },
    { label: 'not JSON', text: 'nope', problem: 'not valid JSON' },
    {
      label: 'no master key',
      text: '{"functionKeys":{}}',
      problem: '"masterKey" must be a string',
    },
    {
      label: 'short function key',
      text: JSON.stringify({ masterKey: 'm'.repeat(20), functionKeys: { default: 'short' } }),
      problem: '"functionKeys.default" must be a string of at least 16 characters',
    },
    {
      label: 'functionKeys not an object',
      text: JSON.stringify({ masterKey: 'm'.repeat(20), functionKeys: [] }),
      problem: '"functionKeys" must be an object of named keys',
    },
  ];
  it.each(malformed)('refuses a malformed file: $label', async ({ label, text, problem }) => {
    const dir = temp.make();
    writeFileSync(path.join(dir, 'keys.json'), text);
    let caught: unknown;
    try {
      await loadOrCreateKeys(dir);
    } catch (err) {
      caught = err;
    }
    expectResult(
      label,
      caught instanceof KeysFileError
        ? { file: caught.file, problemStart: caught.problem.startsWith(problem) }
        : caught,
      { file: path.join(dir, 'keys.json'), problemStart: true },
    );
    expect((caught as Error).message).toMatch(/delete the file to have new keys generated/);
  });
});

describe('authorize', () => {
  const keys: HostKeys = {
    masterKey: 'master-key-0123456789',
    functionKeys: { default: 'function-key-0123456789', ci: 'ci-key-0123456789abc' },
    systemKeys: { durabletask_extension: 'system-key-0123456789' },
  };
  const cases: {
    label: string;
    level: 'anonymous' | 'function' | 'admin';
    key?: string;
    expected: unknown;
  }[] = [
    {
      label: 'anonymous, no key',
      level: 'anonymous',
      expected: { ok: true, keyName: 'anonymous' },
    },
    {
      label: 'anonymous, wrong key',
      level: 'anonymous',
      key: 'x',
      expected: { ok: true, keyName: 'anonymous' },
    },
    {
      label: 'function, missing',
      level: 'function',
      expected: {
        ok: false,
        reason:
          'this function requires a key: pass it in the x-functions-key header or the code query parameter',
      },
    },
    {
      label: 'function, wrong',
      level: 'function',
      key: 'function-key-012345678',
      expected: { ok: false, reason: 'the key is not valid for this function' },
    },
    {
      label: 'function, a named function key',
      level: 'function',
      key: 'ci-key-0123456789abc',
      expected: { ok: true, keyName: 'function:ci' },
    },
    {
      label: 'function, master',
      level: 'function',
      key: 'master-key-0123456789',
      expected: { ok: true, keyName: 'master' },
    },
    {
      label: 'admin, function key',
      level: 'admin',
      key: 'function-key-0123456789',
      expected: {
        ok: false,
        reason: 'this route requires the master (admin) key; a function key is not enough',
      },
    },
    {
      label: 'admin, wrong',
      level: 'admin',
      key: 'zzz',
      expected: {
        ok: false,
        reason: 'the key is not valid for this route (it requires the master key)',
      },
    },
    {
      label: 'admin, master',
      level: 'admin',
      key: 'master-key-0123456789',
      expected: { ok: true, keyName: 'master' },
    },
  ];
  it.each(cases)('$label', ({ label, level, key, expected }) => {
    expectResult(label, authorize(keys, level, key), expected);
  });
});

describe('where the key comes from', () => {
  const cases: {
    label: string;
    headers: Record<string, string | string[]>;
    query: string;
    expected: string | undefined;
  }[] = [
    { label: 'header', headers: { 'x-functions-key': 'h' }, query: '', expected: 'h' },
    { label: 'code parameter', headers: {}, query: 'code=q', expected: 'q' },
    { label: 'header wins', headers: { 'x-functions-key': 'h' }, query: 'code=q', expected: 'h' },
    {
      label: 'empty header falls back',
      headers: { 'x-functions-key': '' },
      query: 'code=q',
      expected: 'q',
    },
    { label: 'none', headers: {}, query: 'other=1', expected: undefined },
  ];
  it.each(cases)('$label', ({ label, headers, query, expected }) => {
    expectResult(label, presentedKey(headers, new URLSearchParams(query)), expected);
  });

  it('safeEqual compares whole strings of any length', () => {
    expect([safeEqual('abc', 'abc'), safeEqual('abc', 'abcd'), safeEqual('', 'a')]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('durableApiRefusal: the Durable management API opens to the system key or the master key', () => {
  const keys: HostKeys = {
    masterKey: 'master-key-0123456789',
    functionKeys: { default: 'function-key-0123456789' },
    systemKeys: { durabletask_extension: 'system-key-0123456789' },
  };
  it.each([
    { label: 'the system key', key: 'system-key-0123456789', refused: undefined },
    { label: 'the master key', key: 'master-key-0123456789', refused: undefined },
    { label: 'a function key', key: 'function-key-0123456789', refused: /not valid/ },
    { label: 'no key', key: undefined, refused: /requires the durabletask_extension system key/ },
  ])('$label', ({ key, refused }) => {
    const reason = durableApiRefusal(keys, key);
    if (refused === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(refused);
  });
});
