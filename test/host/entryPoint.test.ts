/**
 * The app's entry point, found as the Node worker finds it: package.json's main, a path or a
 * glob relative to the function app directory; the worker's words when nothing matches. And a
 * host started on a glob loads every file it matches.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { entryPointOf } from '../../local/host/entryPoint';
import { startHost } from '../../local/host/host';
import { collectingHostLog } from '../../local/host/log';
import { T0 } from './helpers';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A function app folder with `files` (relative path → text). */
async function appDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'surge-entry-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const app = {
  'dist/functions/b.js': '',
  'dist/functions/a.js': '',
  'dist/functions/notes.txt': '',
};

describe('entryPointOf', () => {
  it.each([
    { label: 'main, a path', main: 'dist/functions/a.js', found: ['dist/functions/a.js'] },
    {
      label: 'main, a glob: every match, in order',
      main: 'dist/functions/*.js',
      found: ['dist/functions/a.js', 'dist/functions/b.js'],
    },
    {
      label: 'a glob matching nothing',
      main: 'dist/missing/*.js',
      error:
        'Worker was unable to load entry point "dist/missing/*.js": Found zero files matching the supplied pattern',
    },
    {
      label: 'a path to no file',
      main: 'dist/missing.js',
      error: 'Worker was unable to load entry point "dist/missing.js": File does not exist',
    },
    { label: 'no main', main: undefined, error: 'has no "main"' },
  ])('$label', async ({ main, found, error }) => {
    const dir = await appDir({
      ...app,
      'package.json': JSON.stringify(main === undefined ? {} : { main }),
    });
    const outcome = await entryPointOf(undefined, dir).then(
      (e) => ({ found: e.files.map((f) => path.relative(dir, f)) }),
      (e: unknown) => ({ error: (e as Error).message }),
    );
    if (found) expect(outcome).toEqual({ found });
    else expect((outcome as { error: string }).error).toContain(error);
  });
});

describe('a host started on a glob', () => {
  it('loads every file the glob matches', async () => {
    const host = await startHost({
      appEntry: 'test/host/apps/{httpApp,timerApp}.ts',
      stateDir: await appDir({}),
      clock: new VirtualClock(T0),
      port: 0,
      log: collectingHostLog(),
      env: { TEST_TICK_SCHEDULE: '0 0 * * * *' },
    });
    try {
      const names = host.registry.list().map((f) => f.name);
      expect({
        http: names.includes('hello'),
        timer: names.includes('slow'),
      }).toEqual({ http: true, timer: true });
    } finally {
      await host.close();
    }
  });
});
