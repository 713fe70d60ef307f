import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { WorkspacesReadModels } from './migrations/0002-workspaces-read-models';
import { InvitationsAndErasures } from './migrations/0003-invitations-and-erasures';
import { IconsAndNavigation } from './migrations/0004-icons-and-navigation';
import { ICON_SETTINGS, IconSweeper } from './icon/icon-sweeper';
import { loadIconSettings } from './icon/icon.settings';
import { LifecycleAndUsage } from './migrations/0005-lifecycle-and-usage';
import { InvitationRecord } from './invitation/invitation.projection';
import { WorkspaceMemberRecord } from './membership/membership.projection';
import { OrganizationMemberRecord, OrganizationRecord } from './organization/organization.projection';
import { PersonalWorkspaceRecord } from './workspace/personal-workspace';
import { JoinCodeRecord, WorkspaceRecord } from './workspace/workspace.projection';
import { usageLedgerConsumers } from './usage/usage-ledger.consumer';
import { WorkspacesModule } from './workspaces.module';
import { Payments } from './migrations/0006-payments';
import { OverageCharges } from './migrations/0007-overage-charges';
import { billingProviders } from './billing/billing.providers';
import { SubscriptionRecord } from './billing/subscription.projection';

runServiceMain({
  service: 'workspaces',
  module: WorkspacesModule,
  migrations: [
    { name: '0002_workspaces_read_models', class: WorkspacesReadModels },
    { name: '0003_invitations_and_erasures', class: InvitationsAndErasures },
    { name: '0004_icons_and_navigation', class: IconsAndNavigation },
    { name: '0005_lifecycle_and_usage', class: LifecycleAndUsage },
    { name: '0006_payments', class: Payments },
    { name: '0007_overage_charges', class: OverageCharges },
  ],
  // The icon sweeper purges unclaimed uploads (ICON_UPLOAD_RETENTION_SECONDS, validated here at start).
  providers: () => [{ provide: ICON_SETTINGS, useValue: loadIconSettings(process.env) }, IconSweeper, ...billingProviders(process.env)],
  // The usage ledger: the memory service's and the scheduler's usage facts, exactly once.
  consumers: (runtime) => [...usageLedgerConsumers(runtime)],
  entities: [OrganizationRecord, OrganizationMemberRecord, WorkspaceRecord, JoinCodeRecord, WorkspaceMemberRecord, PersonalWorkspaceRecord, InvitationRecord, SubscriptionRecord],
});
