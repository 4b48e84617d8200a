/**
 * local.settings.json and host.json: good and bad files (the error names the file and the
 * problem), the environment's precedence over `Values`, disabled functions.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHostJson, readHostJson } from '../../local/host/hostJson';
import {
  applySettings,
  isFunctionDisabled,
  parseLocalSettings,
  readLocalSettings,
  SettingsFileError,
} from '../../local/host/settings';
import { expectResult, TempDirs } from './helpers';

const FILE = 'local.settings.json';
const temp = new TempDirs();
afterAll(() => temp.removeAll());

/** The parse outcome as one comparable value: the settings, or the error's file and problem. */
function outcome(text: string): unknown {
  try {
    const s = parseLocalSettings(text, FILE);
    return {
      values: s.values,
      host: s.host,
      connectionStrings: s.connectionStrings,
      warnings: s.warnings,
    };
  } catch (err) {
    if (!(err instanceof SettingsFileError)) return err;
    // The JSON parser's own wording differs between Node versions: keep only that it is quoted.
    const problem = err.problem.replace(/^(not valid JSON: ).+$/, '$1<parser message>');
    return { file: err.file, problem };
  }
}

describe('parsing local.settings.json', () => {
  const empty = { values: {}, host: {}, connectionStrings: {}, warnings: [] };
  const bad = (problem: string) => ({ file: FILE, problem });
  const cases: { label: string; text: string; expected: unknown }[] = [
    { label: 'empty object', text: '{}', expected: empty },
    {
      label: 'the sample file',
      text: JSON.stringify({
        IsEncrypted: false,
        Values: { FUNCTIONS_WORKER_RUNTIME: 'node', SURGE_POOLS_FILE: 'pools.sample.json' },
      }),
      expected: {
        ...empty,
        values: { FUNCTIONS_WORKER_RUNTIME: 'node', SURGE_POOLS_FILE: 'pools.sample.json' },
      },
    },
    {
      label: 'numbers and booleans become text; Host and ConnectionStrings',
      text: JSON.stringify({
        Values: { RETRIES: 4, VERBOSE: true },
        Host: { LocalHttpPort: 7072, CORS: 'http://a.test, http://b.test', CORSCredentials: true },
        ConnectionStrings: { Db: 'Server=x' },
      }),
      expected: {
        values: { RETRIES: '4', VERBOSE: 'true' },
        host: {
          localHttpPort: 7072,
          cors: ['http://a.test', 'http://b.test'],
          corsCredentials: true,
        },
        connectionStrings: { Db: 'Server=x' },
        warnings: [],
      },
    },
    {
      label: 'a byte-order mark is fine',
      text: '\uFEFF{"Values":{"A":"1"}}',
      expected: { ...empty, values: { A: '1' } },
    },
    {
      label: 'unknown sections and Host keys are warnings',
      text: JSON.stringify({ Extra: 1, Host: { LocalHttpPort: '7075', Nope: 1 } }),
      expected: {
        ...empty,
        host: { localHttpPort: 7075 },
        warnings: [
          '"Extra" is not a local.settings.json section',
          '"Host.Nope" is not used by the local host',
        ],
      },
    },
    { label: 'empty file', text: '  ', expected: bad('the file is empty') },
    {
      label: 'invalid JSON',
      text: '{"Values": {',
      expected: bad('not valid JSON: <parser message>'),
    },
    { label: 'not an object', text: '[]', expected: bad('must be a JSON object, not an array') },
    {
      label: 'encrypted',
      text: '{"IsEncrypted": true, "Values": {"A": "xyz"}}',
      expected: bad(
        'the settings are encrypted ("IsEncrypted": true). The local host cannot decrypt them: run `func settings decrypt` where they were encrypted, or write the values in clear and set "IsEncrypted": false.',
      ),
    },
    {
      label: 'IsEncrypted not a boolean',
      text: '{"IsEncrypted": "no"}',
      expected: bad('"IsEncrypted" must be true or false, not "no"'),
    },
    {
      label: 'Values an array',
      text: '{"Values": []}',
      expected: bad('"Values" must be an object, not an array'),
    },
    {
      label: 'a value that is an object',
      text: '{"Values": {"A": {"b": 1}}}',
      expected: bad('"Values.A" must be a string (or number/boolean), not an object'),
    },
    {
      label: 'a null value',
      text: '{"Values": {"A": null}}',
      expected: bad('"Values.A" must be a string (or number/boolean), not null'),
    },
    {
      label: 'port out of range',
      text: '{"Host": {"LocalHttpPort": 70000}}',
      expected: bad('"Host.LocalHttpPort" must be an integer from 0 to 65535, not 70000'),
    },
    {
      label: 'port not a number',
      text: '{"Host": {"LocalHttpPort": "http"}}',
      expected: bad('"Host.LocalHttpPort" must be an integer from 0 to 65535, not "http"'),
    },
    {
      label: 'CORS not a string',
      text: '{"Host": {"CORS": ["*"]}}',
      expected: bad('"Host.CORS" must be a comma-separated string, not an array'),
    },
    {
      label: 'CORSCredentials not a boolean',
      text: '{"Host": {"CORSCredentials": "true"}}',
      expected: bad('"Host.CORSCredentials" must be true or false, not "true"'),
    },
  ];
  it.each(cases)('$label', ({ label, text, expected }) => {
    expectResult(label, outcome(text), expected);
  });

  it('the error message starts with the file name', () => {
    expect(() => parseLocalSettings('[]', '/x/local.settings.json')).toThrow(
      '/x/local.settings.json: must be a JSON object, not an array',
    );
  });
});

describe('reading and applying', () => {
  it('a missing file is empty, not an error', async () => {
    const file = path.join(temp.make(), 'local.settings.json');
    const s = await readLocalSettings(file);
    expectResult('missing', { found: s.found, values: s.values }, { found: false, values: {} });
  });

  it('the environment wins over Values', async () => {
    const file = path.join(temp.make(), 'local.settings.json');
    writeFileSync(file, JSON.stringify({ Values: { FROM_FILE: 'file', BOTH: 'file' } }));
    const env: Record<string, string | undefined> = { BOTH: 'environment' };
    const applied = applySettings(await readLocalSettings(file), env);
    expectResult(
      'precedence',
      { applied, env },
      {
        applied: { applied: ['FROM_FILE'], keptFromEnvironment: ['BOTH'] },
        env: { BOTH: 'environment', FROM_FILE: 'file' },
      },
    );
  });

  it('AzureWebJobs.<name>.Disabled disables a function', () => {
    const env = {
      'AzureWebJobs.a.Disabled': 'true',
      'AzureWebJobs.b.Disabled': '1',
      'AzureWebJobs.c.Disabled': 'false',
    };
    expect(['a', 'b', 'c', 'd'].map((n) => isFunctionDisabled(n, env))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('host.json', () => {
  const cases: { label: string; json: unknown; expected: unknown }[] = [
    {
      label: "Surge's host.json",
      json: {
        version: '2.0',
        extensions: {
          http: { routePrefix: 'api' },
          durableTask: { hubName: 'surge', maxConcurrentActivityFunctions: 10 },
        },
      },
      expected: {
        file: 'host.json',
        routePrefix: 'api',
        hubName: 'surge',
        maxConcurrentActivityFunctions: 10,
        warnings: [],
      },
    },
    {
      label: 'defaults; slashes trimmed; old version warned',
      json: { version: '1.0', extensions: { http: { routePrefix: '/v2/' } } },
      expected: {
        file: 'host.json',
        routePrefix: 'v2',
        warnings: ['"version" is "1.0"; the v4 host expects "2.0"'],
      },
    },
    {
      label: 'empty prefix allowed',
      json: { version: '2.0', extensions: { http: { routePrefix: '' } } },
      expected: { file: 'host.json', routePrefix: '', warnings: [] },
    },
    {
      label: 'bad activity concurrency',
      json: { version: '2.0', extensions: { durableTask: { maxConcurrentActivityFunctions: 0 } } },
      expected:
        'host.json: "extensions.durableTask.maxConcurrentActivityFunctions" must be an integer >= 1',
    },
    {
      label: 'prefix not a string',
      json: { version: '2.0', extensions: { http: { routePrefix: 1 } } },
      expected: 'host.json: "extensions.http.routePrefix" must be a string',
    },
  ];
  it.each(cases)('$label', ({ label, json, expected }) => {
    let actual: unknown;
    try {
      actual = parseHostJson(JSON.stringify(json), 'host.json');
    } catch (err) {
      actual = (err as Error).message;
    }
    expectResult(label, actual, expected);
  });

  it('a missing host.json means defaults', async () => {
    const hostJson = await readHostJson(path.join(temp.make(), 'host.json'));
    expectResult('missing', hostJson, { file: undefined, routePrefix: 'api', warnings: [] });
  });
});
