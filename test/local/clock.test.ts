/** The shared clock: virtual time moves only forward and only when told. */
import { describe, expect, it } from 'vitest';
import { isSettableClock, SystemClock, VirtualClock } from '../../local/clock';

describe('VirtualClock', () => {
  it.each([
    {
      label: 'starts where told (number)',
      run: () => new VirtualClock(1000).now(),
      expected: 1000,
    },
    {
      label: 'starts where told (Date)',
      run: () => new VirtualClock(new Date(5000)).now(),
      expected: 5000,
    },
    {
      label: 'advance adds',
      run: () => {
        const c = new VirtualClock(1000);
        c.advance(250);
        c.advance(0);
        return c.now();
      },
      expected: 1250,
    },
    {
      label: 'set jumps forward',
      run: () => {
        const c = new VirtualClock(1000);
        c.set(4000);
        c.set(4000);
        return c.now();
      },
      expected: 4000,
    },
  ])('$label', ({ run, expected }) => {
    expect(run()).toBe(expected);
  });

  it.each([
    { label: 'set backwards', run: () => new VirtualClock(1000).set(999) },
    { label: 'negative advance', run: () => new VirtualClock(1000).advance(-1) },
    { label: 'invalid start', run: () => new VirtualClock(Number.NaN) },
  ])('refuses $label', ({ run }) => {
    expect(run).toThrow(RangeError);
  });
});

describe('isSettableClock', () => {
  it.each([
    { label: 'VirtualClock', clock: new VirtualClock(), settable: true },
    { label: 'SystemClock', clock: new SystemClock(), settable: false },
    { label: 'a plain now() object', clock: { now: () => 1 }, settable: false },
  ])('$label → $settable', ({ clock, settable }) => {
    expect({
      settable: isSettableClock(clock),
      nowIsNumber: typeof clock.now() === 'number',
    }).toEqual({
      settable,
      nowIsNumber: true,
    });
  });
});
