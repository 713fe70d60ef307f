import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { BILLING_CYCLES, PLAN_NAMES, type BillingCycle, type PlanName } from '@mnemo/contracts';

/** PUT /v1/workspaces/:id/subscription. */
export class SubscriptionBody {
  @ApiProperty({ enum: PLAN_NAMES })
  @IsIn(PLAN_NAMES)
  plan_name!: PlanName;

  @ApiPropertyOptional({ enum: BILLING_CYCLES, default: 'monthly' })
  @IsOptional()
  @IsIn(BILLING_CYCLES)
  billing_cycle?: BillingCycle;
}
