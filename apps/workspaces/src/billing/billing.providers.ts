import type { Provider } from '@nestjs/common';
import { BILLING, billingFrom } from './billing.settings';
import { GraceSweep } from './grace-sweep';

/** For `runServiceMain({ providers })`: the billing settings, and the sweep that ends unpaid grace periods. */
export function billingProviders(env: NodeJS.ProcessEnv): Provider[] {
  return [{ provide: BILLING, useValue: billingFrom(env) }, GraceSweep];
}
