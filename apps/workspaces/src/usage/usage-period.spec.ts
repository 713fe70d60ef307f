import { monthlyPeriod, periodContaining } from './usage-period';

describe('monthly usage periods', () => {
  it('run one month from the creation instant', () => {
    expect(monthlyPeriod(new Date('2026-03-14T09:30:00.000Z'), 0)).toEqual({ index: 0, start: '2026-03-14T09:30:00.000Z', end: '2026-04-14T09:30:00.000Z' });
    expect(monthlyPeriod(new Date('2026-03-14T09:30:00.000Z'), 10)).toEqual({ index: 10, start: '2027-01-14T09:30:00.000Z', end: '2027-02-14T09:30:00.000Z' });
  });

  it('clamp a day the month lacks to its last day without drifting', () => {
    const anchor = new Date('2028-01-31T00:00:00.000Z');
    expect(monthlyPeriod(anchor, 0).end).toBe('2028-02-29T00:00:00.000Z');
    expect(monthlyPeriod(anchor, 1)).toEqual({ index: 1, start: '2028-02-29T00:00:00.000Z', end: '2028-03-31T00:00:00.000Z' });
    expect(monthlyPeriod(anchor, 2).end).toBe('2028-04-30T00:00:00.000Z');
  });

  it('skip ahead to the period containing now, the end being exclusive', () => {
    const anchor = new Date('2026-01-10T00:00:00.000Z');
    expect(periodContaining(anchor, new Date('2026-02-09T23:59:59.999Z')).index).toBe(0);
    expect(periodContaining(anchor, new Date('2026-02-10T00:00:00.000Z')).index).toBe(1);
    expect(periodContaining(anchor, new Date('2026-05-11T00:00:00.000Z'), 1)).toEqual({ index: 4, start: '2026-05-10T00:00:00.000Z', end: '2026-06-10T00:00:00.000Z' });
  });
});
