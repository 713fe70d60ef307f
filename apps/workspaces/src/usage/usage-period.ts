/**
 * Monthly usage periods on every plan (DESIGN.md "Metering and plans"), anchored at the workspace's creation:
 * period n runs from anchor + n months to anchor + n+1 months (end exclusive). A day the month lacks is clamped
 * to its last day (created on 31 January → 28/29 February → 31 March), so periods never drift.
 */
export interface UsagePeriod {
  index: number;
  start: string;
  end: string;
}

export function addMonthsClamped(anchor: Date, months: number): Date {
  const year = anchor.getUTCFullYear();
  const month = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(year, month, Math.min(anchor.getUTCDate(), lastDay), anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds()),
  );
}

export function monthlyPeriod(anchor: Date, index: number): UsagePeriod {
  return { index, start: addMonthsClamped(anchor, index).toISOString(), end: addMonthsClamped(anchor, index + 1).toISOString() };
}

/** The period that contains `now` (a rollover that was late, e.g. while every replica was down, skips ahead). */
export function periodContaining(anchor: Date, now: Date, fromIndex = 0): UsagePeriod {
  let period = monthlyPeriod(anchor, fromIndex);
  while (Date.parse(period.end) <= now.getTime()) period = monthlyPeriod(anchor, period.index + 1);
  return period;
}
