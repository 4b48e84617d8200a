import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialState } from '../../shared/controller/state';
import { CONTROLLER_VERSION, handedOverState, handoverOf } from '../../shared/controller/upgrade';

const state = initialState('orders');

describe('upgrades of Surge under running controllers', () => {
  it("host.json's defaultVersion is the controller's version in this code", () => {
    const hostJson = JSON.parse(readFileSync('host.json', 'utf8')) as {
      extensions: { durableTask: { defaultVersion?: string } };
    };
    expect(hostJson.extensions.durableTask.defaultVersion).toBe(CONTROLLER_VERSION);
  });

  it.each([
    { label: 'this version: continues as new', version: CONTROLLER_VERSION, hands: false },
    { label: 'started before versions were recorded: hands over', version: undefined, hands: true },
    { label: 'an older version: hands over', version: '1', hands: true },
  ])('$label', ({ version, hands }) => {
    const handover = handoverOf(version, state);
    expect(handover === undefined ? undefined : handedOverState(handover)).toEqual(
      hands ? state : undefined,
    );
  });

  it.each([
    { label: 'not an object', output: 'done' },
    { label: 'another ending', output: { ended: 'pool no longer configured', pool: 'orders' } },
    { label: 'a handover without state', output: { ended: 'upgrade', pool: 'orders' } },
  ])('leaves no state to carry from $label', ({ output }) => {
    expect(handedOverState(output)).toBeUndefined();
  });
});
