import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { poolsSource } from '../../local/poolsSource';

describe('npm start: where the pools document comes from, as the README documents it', () => {
  const demo = '/repo/local/demo/pools.json';
  it.each([
    {
      label: '--pools wins over both settings',
      flag: 'mine.json',
      env: { SURGE_POOLS_FILE: 'other.json', SURGE_POOLS: '{"pools":[]}' },
      expected: { file: path.resolve('mine.json'), from: '--pools mine.json' },
    },
    {
      label: 'SURGE_POOLS_FILE, relative to the working directory',
      env: { SURGE_POOLS_FILE: 'pools.prod.json', SURGE_POOLS: '{"pools":[]}' },
      expected: { file: path.resolve('pools.prod.json'), from: 'SURGE_POOLS_FILE=pools.prod.json' },
    },
    {
      label: 'SURGE_POOLS, the JSON itself',
      env: { SURGE_POOLS: '{"pools":[]}' },
      expected: { json: '{"pools":[]}', from: 'SURGE_POOLS' },
    },
    {
      label: 'nothing set: the demo pools',
      env: { SURGE_POOLS_FILE: '' },
      expected: { file: demo, from: 'the demo pools' },
    },
  ])('$label', ({ flag, env, expected }) => {
    expect(poolsSource(flag, env, demo)).toEqual(expected);
  });
});
