import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialState } from '../../shared/controller/state';
import { CONTROLLER_VERSION, handedOver, handoverOf } from '../../shared/controller/upgrade';

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
    {
      // The runtime records no versions (an extension without versioning): no handover loop.
      label: 'started by a handover from the version it still runs: continues as new',
      version: undefined,
      startedBy: { from: '' },
      hands: false,
    },
    {
      label: 'started by a handover, now an older version again: hands over',
      version: '1',
      startedBy: { from: '' },
      hands: true,
    },
  ])('$label', ({ version, startedBy, hands }) => {
    const handover = handoverOf(version, state, startedBy);
    expect(handover === undefined ? undefined : handedOver(handover)).toEqual(
      hands ? { state, handover: { from: version ?? '' } } : undefined,
    );
  });

  it.each([
    { label: 'not an object', output: 'done' },
    { label: 'another ending', output: { ended: 'pool no longer configured', pool: 'orders' } },
    { label: 'a handover without state', output: { ended: 'upgrade', pool: 'orders' } },
  ])('leaves no state to carry from $label', ({ output }) => {
    expect(handedOver(output)).toBeUndefined();
  });
});
