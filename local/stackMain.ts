/**
 * Runs a stack in real time from a JSON file, usually attached to an emulator that another
 * process owns — so the host can be killed and restarted while "Azure" lives on:
 *
 *   node dist/local/stackMain.js --config stack.json
 *
 * `stack.json`: `{stateDir, poolsFile, appEntry?, hostPort?, persist?, settings?, attach?:
 * {armEndpoint, serviceBusEndpoint, probeEndpoint, caFile}}`. Prints `READY <host url>` once
 * serving; SIGTERM/SIGINT close it. The end-to-end crash test uses it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { SystemClock } from './clock';
import { startStack } from './stack';

const configSchema = z.strictObject({
  stateDir: z.string(),
  poolsFile: z.string(),
  appEntry: z.string().default(path.resolve(__dirname, '..', 'functions', 'index.js')),
  hostPort: z.number().int().min(0).max(65_535).default(0),
  persist: z.boolean().default(true),
  settings: z.record(z.string(), z.string()).default({}),
  attach: z
    .strictObject({
      armEndpoint: z.string(),
      serviceBusEndpoint: z.string(),
      probeEndpoint: z.string(),
      caFile: z.string(),
    })
    .optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  if (!values.config) throw new Error('usage: node dist/local/stackMain.js --config stack.json');
  const parsed = configSchema.safeParse(JSON.parse(readFileSync(values.config, 'utf8')));
  if (!parsed.success) throw new Error(`${values.config}: ${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  const attach = config.attach
    ? { ...config.attach, caCertPem: readFileSync(config.attach.caFile, 'utf8') }
    : undefined;
  const stack = await startStack({
    clock: new SystemClock(),
    stateDir: config.stateDir,
    poolsFile: config.poolsFile,
    appEntry: config.appEntry,
    hostPort: config.hostPort,
    persist: config.persist,
    settings: config.settings,
    ...(attach ? { attach } : {}),
  });
  console.log(`READY ${stack.host.url}`);
  const stop = () => {
    stack.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
