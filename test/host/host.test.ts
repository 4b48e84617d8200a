/**
 * startHost with a settings file: Values applied under the environment's precedence, the port
 * from `Host.LocalHttpPort`, CORS from `Host.CORS`, and what the Host object reports.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import type { Host } from '../../local/host/host';
import { startHost } from '../../local/host/host';
import { collectingHostLog } from '../../local/host/log';
import { expectResult, freePort, send, T0, TempDirs } from './helpers';

const temp = new TempDirs();
const log = collectingHostLog();
const env: Record<string, string | undefined> = { KEPT: 'from the environment' };
let host: Host;
let port: number;

beforeAll(async () => {
  const dir = temp.make();
  port = await freePort();
  const settingsFile = path.join(dir, 'local.settings.json');
  writeFileSync(
    settingsFile,
    JSON.stringify({
      IsEncrypted: false,
      Values: { FUNCTIONS_WORKER_RUNTIME: 'node', FROM_FILE: 'file', KEPT: 'file' },
      Host: { LocalHttpPort: port, CORS: 'http://ui.test', CORSCredentials: true },
    }),
  );
  host = await startHost({
    appEntry: 'test/host/apps/httpApp.ts',
    settingsFile,
    stateDir: path.join(dir, '.state'),
    clock: new VirtualClock(T0),
    env,
    log,
  });
});

afterAll(async () => {
  await host.close();
  temp.removeAll();
});

describe('startHost with local.settings.json', () => {
  it('applies Values under the environment, and listens on Host.LocalHttpPort', () => {
    expectResult(
      'settings',
      {
        env,
        applied: host.appliedSettings,
        port: host.port,
        url: host.url,
        baseUrl: host.baseUrl,
        keptLogged: log.lines.includes(
          `information: Settings kept from the environment (not overridden by ${host.settings?.file}): KEPT`,
        ),
      },
      {
        env: { KEPT: 'from the environment', FUNCTIONS_WORKER_RUNTIME: 'node', FROM_FILE: 'file' },
        applied: {
          applied: ['FUNCTIONS_WORKER_RUNTIME', 'FROM_FILE'],
          keptFromEnvironment: ['KEPT'],
        },
        port,
        url: `http://127.0.0.1:${port}`,
        baseUrl: `http://127.0.0.1:${port}/api`,
        keptLogged: true,
      },
    );
  });

  const cors: {
    label: string;
    method: string;
    headers: Record<string, string>;
    expected: unknown;
  }[] = [
    {
      label: 'allowed origin',
      method: 'GET',
      headers: { origin: 'http://ui.test' },
      expected: {
        status: 200,
        allowOrigin: 'http://ui.test',
        credentials: 'true',
        allowMethods: undefined,
      },
    },
    {
      label: 'other origin gets no CORS headers',
      method: 'GET',
      headers: { origin: 'http://evil.test' },
      expected: {
        status: 200,
        allowOrigin: undefined,
        credentials: undefined,
        allowMethods: undefined,
      },
    },
    {
      label: 'preflight',
      method: 'OPTIONS',
      headers: { origin: 'http://ui.test', 'access-control-request-method': 'GET' },
      expected: {
        status: 204,
        allowOrigin: 'http://ui.test',
        credentials: 'true',
        allowMethods: 'GET',
      },
    },
  ];
  it.each(cors)('CORS: $label', async ({ label, method, headers, expected }) => {
    const res = await send(method, `${host.baseUrl}/hello/x`, { headers });
    expectResult(
      label,
      {
        status: res.status,
        allowOrigin: res.headers['access-control-allow-origin'],
        credentials: res.headers['access-control-allow-credentials'],
        allowMethods: res.headers['access-control-allow-methods'],
      },
      expected,
    );
  });

  it('prints the functions and keys at start-up', () => {
    const banner = log.lines.find((l) => l.includes('Functions:')) ?? '';
    expectResult(
      'banner',
      {
        hello: banner.includes(
          `hello: [GET] http://127.0.0.1:${port}/api/hello/{name} (anonymous)`,
        ),
        master: banner.includes(`master (admin): ${host.keys.masterKey}`),
        functionKey: banner.includes(`function (default): ${host.keys.functionKeys.default}`),
      },
      { hello: true, master: true, functionKey: true },
    );
  });
});
