import { PLAN_NAMES, type PlanResource } from '@mnemo/contracts';
import type { PlanCatalog } from '../usage/usage-caps';

/** `GET /v1/plans`: every plan with its prices, included units, overage, cost cap and limits. */
export function planCatalogue(plans: PlanCatalog): PlanResource[] {
  return PLAN_NAMES.map((name) => {
    const limits = plans(name);
    return {
      name,
      prices: limits.pricing ? { monthly_cents: limits.pricing.monthlyPriceCents, annual_cents: limits.pricing.annualPriceCents } : null,
      included_units: { ...limits.includedUnits },
      overage_cents_per_thousand: limits.pricing ? { ...limits.pricing.overageCentsPerThousand } : null,
      cost_cap_cents: limits.pricing?.costCapCents ?? null,
      requests_per_second: limits.requestsPerSecond,
      burst: limits.burst,
      max_api_keys: limits.maxApiKeys,
      min_schedule_interval_minutes: limits.minScheduleIntervalMinutes,
      sharing: limits.sharing,
    };
  });
}
