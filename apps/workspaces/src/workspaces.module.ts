import { Module } from '@nestjs/common';
import { ErasureHandlers } from './erasure/erasure.handlers';
import { IconHandlers } from './icon/icon.handlers';
import { NavigationHandlers } from './navigation/navigation.handlers';
import { InvitationHandlers } from './invitation/invitation.handlers';
import { LifecycleHandlers } from './lifecycle/lifecycle.handlers';
import { PeriodRollover } from './usage/period-rollover';
import { MembershipHandlers } from './membership/membership.handlers';
import { OrganizationHandlers } from './organization/organization.handlers';
import { WorkspaceHandlers } from './workspace/workspace.handlers';
import { BillingHandlers } from './billing/billing.handlers';

/** The workspaces service's RPC controllers; the runtime (ORM, event store, NATS) is injected by token. */
@Module({
  controllers: [WorkspaceHandlers, MembershipHandlers, OrganizationHandlers, InvitationHandlers, ErasureHandlers, IconHandlers, NavigationHandlers, LifecycleHandlers, BillingHandlers],
  providers: [PeriodRollover],
})
export class WorkspacesModule {}
