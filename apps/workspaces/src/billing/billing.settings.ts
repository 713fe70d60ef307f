import { loadBillingConfig, type BillingConfig } from '@mnemo/contracts';
import { planCatalogFrom, type PlanCatalog } from '../usage/usage-caps';
import type { PaymentProvider } from './payment-provider';
import { StripePaymentProvider } from './stripe-payment-provider';

export const BILLING = Symbol('BILLING');

/** What the billing handlers need, built once at start from the validated configuration. */
export interface Billing {
  config: BillingConfig;
  plans: PlanCatalog;
  /** Absent without STRIPE_SECRET_KEY: paid plans cannot be bought, webhooks answer 503. */
  provider: PaymentProvider | undefined;
}

export function billingFrom(env: NodeJS.ProcessEnv): Billing {
  const config = loadBillingConfig(env);
  return { config, plans: planCatalogFrom(env), provider: StripePaymentProvider.fromConfig(config) };
}
