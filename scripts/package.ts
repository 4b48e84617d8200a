/**
 * `npm run package`: builds the deployable zip of the Function App, dist/surge.zip.
 *
 * The zip holds exactly what the Functions host runs: host.json, a production package.json whose
 * "main" is dist/functions/index.js, the compiled functions/ and shared/ (no local/, scripts/ or
 * tests, no source maps) and node_modules with the production dependencies only, installed by
 * `npm ci --omit=dev` from package-lock.json (from the npm cache when it has them, so it works
 * offline after `npm ci`). The code is compiled afresh into a staging folder, so stale files in
 * dist/ never ship. Publish it with the command in docs/deploy.md.
 */
import AdmZip from 'adm-zip';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What to package and where to write it. */
export interface PackageOptions {
  /** Repository root (holds package.json, package-lock.json, host.json, tsconfig.build.json). */
  readonly root: string;
  /** Path of the zip to write; its folder is created. */
  readonly out: string;
  /** Progress lines; silent when absent. */
  readonly log?: (line: string) => void;
}

/** What was written. */
export interface PackageResult {
  readonly zipPath: string;
  /** Size of the zip file (bytes). */
  readonly bytes: number;
  /** Files in the zip. */
  readonly files: number;
}

/** The folders of compiled code the app needs at run time; everything else stays out. */
export const RUNTIME_SOURCE_FOLDERS: readonly string[] = ['functions', 'shared'];

/** Files removed from the installed dependencies: never loaded at run time. */
const PRUNED_SUFFIXES: readonly string[] = ['.map', '.d.ts', '.d.mts', '.d.cts'];

/** The parts of package.json the package reads and writes. */
export interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  main: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The package.json that ships: identity, entry point, engines and production dependencies only
 * (no scripts, so nothing can run on the host's behalf; no devDependencies).
 */
export function productionManifest(manifest: PackageJson): PackageJson {
  return {
    name: manifest.name,
    version: manifest.version,
    ...(manifest.description !== undefined ? { description: manifest.description } : {}),
    ...(manifest.license !== undefined ? { license: manifest.license } : {}),
    main: manifest.main,
    ...(manifest.engines !== undefined ? { engines: manifest.engines } : {}),
    dependencies: manifest.dependencies ?? {},
  };
}

/** Builds the zip; throws (with the failing command's output on stderr) when a step fails. */
function createPackage(options: PackageOptions): PackageResult {
  const { root } = options;
  const log = options.log ?? (() => undefined);
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  const staging = mkdtempSync(path.join(os.tmpdir(), 'surge-package-'));
  try {
    log(`compiling ${RUNTIME_SOURCE_FOLDERS.join(', ')} into ${staging}`);
    compile(root, staging);
    cpSync(path.join(root, 'host.json'), path.join(staging, 'host.json'));

    log('installing production dependencies (npm ci --omit=dev)');
    // npm ci insists that package.json and the lock agree, so it runs against the repository's
    // manifest minus scripts; the shipped manifest is written afterwards.
    const { scripts: _scripts, ...installable } = manifest;
    writeJson(path.join(staging, 'package.json'), installable);
    cpSync(path.join(root, 'package-lock.json'), path.join(staging, 'package-lock.json'));
    execFileSync(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    rmSync(path.join(staging, 'package-lock.json'));
    writeJson(path.join(staging, 'package.json'), productionManifest(manifest));
    const pruned = prune(path.join(staging, 'node_modules'));
    log(`pruned ${pruned} type declaration and source map files from node_modules`);

    const main = path.join(staging, manifest.main);
    if (!existsSync(main)) {
      throw new Error(`package.json "main" (${manifest.main}) is not in the package`);
    }

    const zip = new AdmZip();
    zip.addLocalFolder(staging);
    mkdirSync(path.dirname(options.out), { recursive: true });
    zip.writeZip(options.out);
    const result = {
      zipPath: options.out,
      bytes: statSync(options.out).size,
      files: zip.getEntries().filter((e) => !e.isDirectory).length,
    };
    log(`wrote ${result.zipPath}: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB`);
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** tsc with the build settings, limited to the runtime folders, into staging/dist. */
function compile(root: string, staging: string): void {
  const tsconfig = path.join(staging, 'tsconfig.package.json');
  writeJson(tsconfig, {
    extends: path.join(root, 'tsconfig.build.json'),
    compilerOptions: {
      rootDir: root,
      // Type packages resolve from the config file's folder by default; this one is in staging.
      typeRoots: [path.join(root, 'node_modules', '@types')],
      outDir: path.join(staging, 'dist'),
      sourceMap: false,
      declaration: false,
      incremental: false,
    },
    include: RUNTIME_SOURCE_FOLDERS.map((folder) => path.join(root, folder)),
  });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  rmSync(tsconfig);
}

/** Deletes files no Node.js process loads (type declarations, source maps); returns how many. */
function prune(folder: string): number {
  let count = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      count += prune(full);
    } else if (PRUNED_SUFFIXES.some((suffix) => entry.name.endsWith(suffix))) {
      rmSync(full);
      count += 1;
    }
  }
  return count;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Command line: `node dist/scripts/package.js [--out <zip>]`, run from the repository root. */
function main(argv: readonly string[]): void {
  const outFlag = argv.indexOf('--out');
  const out =
    outFlag >= 0 && argv[outFlag + 1] !== undefined
      ? path.resolve(argv[outFlag + 1] as string)
      : path.resolve('dist', 'surge.zip');
  createPackage({ root: process.cwd(), out, log: (line) => console.log(`package: ${line}`) });
}

if (require.main === module) main(process.argv.slice(2));
