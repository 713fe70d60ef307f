import type { Provider } from '@nestjs/common';
import { BILLING, billingFrom } from './billing.settings';
import { GraceSweep } from './grace-sweep';
import { OverageBilling } from './overage-charges';

/**
 * For `runServiceMain({ providers })`: the billing settings, the sweep that ends unpaid grace periods, and the
 * poller that bills recorded overage charges.
 */
export function billingProviders(env: NodeJS.ProcessEnv): Provider[] {
  return [{ provide: BILLING, useValue: billingFrom(env) }, GraceSweep, OverageBilling];
}
