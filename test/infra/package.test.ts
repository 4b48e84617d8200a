import AdmZip from 'adm-zip';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackageJson } from '../../scripts/package';
import { RUNTIME_SOURCE_FOLDERS, productionManifest } from '../../scripts/package';
import { REPO_ROOT } from './templates';

/** The one comparison of this file: the whole result, labelled with the case. */
function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

let work = '';
let entries: string[] = [];
let zip: AdmZip;

// `npm run package` exactly as a user runs it (build, compile, npm ci --omit=dev, zip): ~15 s.
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'surge-package-test-'));
  const out = path.join(work, 'surge.zip');
  execFileSync(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['run', 'package', '--', '--out', out],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  zip = new AdmZip(out);
  entries = zip
    .getEntries()
    .filter((e) => !e.isDirectory)
    .map((e) => e.entryName.replace(/\\/g, '/'));
}, 180_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('npm run package', () => {
  it('zips host.json, a production package.json and the compiled functions, nothing of local/ or the tests', () => {
    const shipped = JSON.parse(zip.readAsText('package.json')) as Record<string, unknown>;
    const code = entries.filter((e) => !e.startsWith('node_modules/'));
    expectResult(
      'package layout',
      {
        hostJson:
          zip.readAsText('host.json') === readFileSync(path.join(REPO_ROOT, 'host.json'), 'utf8'),
        packageJson: shipped,
        mainInZip: entries.includes(manifest.main),
        codeFolders: [
          ...new Set(
            code.filter((e) => e.includes('/')).map((e) => e.split('/').slice(0, 2).join('/')),
          ),
        ].sort(),
        topLevelFiles: code.filter((e) => !e.includes('/')).sort(),
        nonJavaScript: code.filter((e) => e.startsWith('dist/') && !e.endsWith('.js')),
        testsOrLocal: entries.filter(
          (e) => /(^|\/)(test|local)\//.test(e) && !e.startsWith('node_modules/'),
        ),
      },
      {
        hostJson: true,
        packageJson: productionManifest(
          JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson,
        ),
        mainInZip: true,
        codeFolders: RUNTIME_SOURCE_FOLDERS.map((f) => `dist/${f}`).sort(),
        topLevelFiles: ['host.json', 'package.json'],
        nonJavaScript: [],
        testsOrLocal: [],
      },
    );
  });

  it('node_modules holds the production dependencies and no development dependency', () => {
    const installed = new Set(
      entries
        .filter((e) => e.startsWith('node_modules/'))
        .map((e) => {
          const parts = e.split('/');
          // node_modules/name/… or node_modules/@scope/name/… (nested node_modules count too)
          const at = parts.lastIndexOf('node_modules');
          const scoped = parts[at + 1]?.startsWith('@') === true;
          return parts.slice(0, at + (scoped ? 3 : 2)).join('/');
        }),
    );
    // Every package the lock marks dev-only (vitest, typescript, eslint, better-sqlite3, …).
    const devOnly = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== '' && entry.dev === true)
      .map(([key]) => key);
    expectResult(
      'dependencies',
      {
        devPackagesShipped: devOnly.filter((key) => installed.has(key)),
        // A devDependency that a production package also needs (e.g. @types/node) is not dev-only.
        devDependenciesShippedThoughDevOnly: Object.keys(manifest.devDependencies).filter(
          (name) =>
            installed.has(`node_modules/${name}`) &&
            lock.packages[`node_modules/${name}`]?.dev === true,
        ),
        dependenciesMissing: Object.keys(manifest.dependencies).filter(
          (name) => !installed.has(`node_modules/${name}`),
        ),
      },
      {
        devPackagesShipped: [],
        devDependenciesShippedThoughDevOnly: [],
        dependenciesMissing: [],
      },
    );
  });

  it('the unpacked package loads its entry point with nothing but what it ships', () => {
    const unpacked = path.join(work, 'unpacked');
    zip.extractAllTo(unpacked, true);
    const output = execFileSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(`./${manifest.main}`)}); console.log('loaded')`],
      {
        cwd: unpacked,
        env: {
          PATH: process.env.PATH ?? '',
          SURGE_POOLS_FILE: path.join(REPO_ROOT, 'pools.sample.json'),
          ORDERS_DB_PASSWORD: 'not-a-secret',
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    expectResult('entry point', output.trim().split('\n').at(-1), 'loaded');
  }, 30_000);
});
