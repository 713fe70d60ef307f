import { DEFAULT_PLAN_LIMITS, periodUnitCap, USAGE_UNITS, type WorkspaceStatusResource } from '@mnemo/contracts';
import { api, eventually, signUp, type TestUser } from '@mnemo/testing';
import { stackQuery } from '../workspaces/lifecycle-helpers';
import { onPaidPlan, publishUsageFact, stripe } from './helpers';

/**
 * DESIGN.md "Metering and plans": a paid plan's usage past its included units is charged at the per-unit
 * price when the period rolls over, through the payment provider (an invoice item at the fake Stripe), once.
 */
const PRO = DEFAULT_PLAN_LIMITS.pro.includedUnits;

const status = async (user: TestUser): Promise<WorkspaceStatusResource> => {
  const response = await api('GET', '/v1/status', { token: user.token, workspace: user.workspace.workspace_id });
  expect(response.status).toBe(200);
  return response.body;
};

interface ChargeRow {
  status: string;
  amount_cents: number;
  provider_item_id: string | null;
}
const chargeRows = (workspaceId: number) =>
  stackQuery<ChargeRow>('SELECT status, amount_cents, provider_item_id FROM workspaces.overage_charges WHERE workspace_id = $1', [workspaceId]);

/** Arranging time: the workspace's period is due now; waits until the next period started. */
async function rollOver(user: TestUser, before: WorkspaceStatusResource): Promise<void> {
  await stackQuery('UPDATE workspaces.usage_periods SET ends_at = now() WHERE workspace_id = $1', [user.workspace.workspace_id]);
  await eventually(async () => ((await status(user)).period_start === before.period_end ? true : undefined), 30_000, 'the rollover');
}

describe('overage billing at period rollover', () => {
  it('bills a pro period 10,000 writes and 500 retrieves past the included units as one invoice item of 405 cents, never twice', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const { session } = await onPaidPlan(ada, 'pro');
    const customer = session.customer as string;
    const before = await status(ada);
    expect(before.plan_name).toBe('pro');

    await publishUsageFact(id, before.period_start, 'writes', PRO.writes + 10_000);
    await publishUsageFact(id, before.period_start, 'retrieves', PRO.retrieves + 500);
    await eventually(async () => {
      const usage = (await status(ada)).usage;
      return usage.writes === PRO.writes + 10_000 && usage.retrieves === PRO.retrieves + 500 ? true : undefined;
    }, 20_000, 'the ledger to count the usage');
    expect(await stripe().invoiceItems(customer)).toEqual([]);

    await rollOver(ada, before);
    // 10,000 writes at 40 ¢ per 1,000 = 400 ¢; 500 retrieves at 10 ¢ per 1,000 = 5 ¢.
    const items = await eventually(async () => {
      const found = await stripe().invoiceItems(customer);
      return found.length > 0 ? found : undefined;
    }, 30_000, 'the invoice item');
    expect(items).toEqual([
      expect.objectContaining({
        object: 'invoiceitem',
        customer,
        amount: 405,
        currency: 'usd',
        metadata: { workspace_id: String(id), period_start: new Date(before.period_start).toISOString() },
      }),
    ]);
    const billed = await eventually(async () => {
      const rows = await chargeRows(id);
      return rows.length === 1 && rows[0].status === 'billed' ? rows : undefined;
    }, 20_000, 'the charge marked billed');
    expect(billed).toEqual([{ status: 'billed', amount_cents: 405, provider_item_id: items[0].id }]);

    // A lost commit after the provider took the charge: the row is pending again, a poller bills it again with
    // the same idempotency key, and the provider answers the first item. Still one charge.
    await stackQuery(`UPDATE workspaces.overage_charges SET status = 'pending', provider_item_id = NULL, billed_at = NULL WHERE workspace_id = $1`, [id]);
    const rebilled = await eventually(async () => {
      const rows = await chargeRows(id);
      return rows[0].status === 'billed' ? rows : undefined;
    }, 20_000, 'the charge billed again');
    expect(rebilled).toEqual([{ status: 'billed', amount_cents: 405, provider_item_id: items[0].id }]);
    expect(await stripe().invoiceItems(customer)).toEqual(items);

    // The next period (no usage) rolls over with nothing to charge.
    const next = await status(ada);
    await rollOver(ada, next);
    expect(await chargeRows(id)).toHaveLength(1);
    expect(await stripe().invoiceItems(customer)).toHaveLength(1);
  });

  it('bills a period at every unit kind\'s cap exactly the cost cap, 10,000 ¢', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const { session } = await onPaidPlan(ada, 'pro');
    const before = await status(ada);
    const caps = Object.fromEntries(USAGE_UNITS.map((unit) => [unit, periodUnitCap(DEFAULT_PLAN_LIMITS.pro, unit)]));
    expect(caps).toEqual({ writes: 375_000, retrieves: 1_300_000, runs: 20_000 });
    for (const unit of USAGE_UNITS) await publishUsageFact(id, before.period_start, unit, caps[unit]);
    await eventually(async () => {
      const usage = (await status(ada)).usage;
      return USAGE_UNITS.every((unit) => usage[unit] === caps[unit]) ? true : undefined;
    }, 20_000, 'the usage at the caps');
    await rollOver(ada, before);
    const items = await eventually(async () => {
      const found = await stripe().invoiceItems(session.customer as string);
      return found.length > 0 ? found : undefined;
    }, 30_000, 'the invoice item');
    expect(items.map((item) => item.amount)).toEqual([DEFAULT_PLAN_LIMITS.pro.pricing!.costCapCents]);
    expect(items[0].amount).toBe(10_000);
  });

  it('charges nothing for a paid period within its included units', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const { session } = await onPaidPlan(ada, 'pro');
    const before = await status(ada);
    await publishUsageFact(id, before.period_start, 'writes', PRO.writes);
    await eventually(async () => ((await status(ada)).usage.writes === PRO.writes ? true : undefined), 20_000, 'the usage');
    await rollOver(ada, before);
    expect(await chargeRows(id)).toEqual([]);
    expect(await stripe().invoiceItems(session.customer as string)).toEqual([]);
  });
});
