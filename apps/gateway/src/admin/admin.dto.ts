import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { BILLING_CYCLES, LIFECYCLE_LIMITS, PLAN_NAMES, WORKOS_ORGANIZATION_ID_PATTERN, type BillingCycle, type PlanName } from '@mnemo/contracts';

const { min, max } = LIFECYCLE_LIMITS.reason;

/** Suspend / reinstate: the reason is recorded in the event. */
export class ReasonBody {
  @IsString()
  @Length(min, max)
  reason!: string;
}

/** A plan set by an operator needs no payment; the billing cycle stays unless given. */
export class PlanOverrideBody extends ReasonBody {
  @IsIn(PLAN_NAMES)
  plan_name!: PlanName;

  @IsOptional()
  @IsIn(BILLING_CYCLES)
  billing_cycle?: BillingCycle;
}

/** null unlinks the organization from WorkOS. */
export class WorkosBody {
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Matches(WORKOS_ORGANIZATION_ID_PATTERN, { message: 'workos_organization_id must be a WorkOS organization id (org_…) or null' })
  workos_organization_id!: string | null;
}
