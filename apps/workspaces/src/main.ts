import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { WorkspacesReadModels } from './migrations/0002-workspaces-read-models';
import { InvitationsAndErasures } from './migrations/0003-invitations-and-erasures';
import { InvitationRecord } from './invitation/invitation.projection';
import { WorkspaceMemberRecord } from './membership/membership.projection';
import { OrganizationMemberRecord, OrganizationRecord } from './organization/organization.projection';
import { PersonalWorkspaceRecord } from './workspace/personal-workspace';
import { JoinCodeRecord, WorkspaceRecord } from './workspace/workspace.projection';
import { WorkspacesModule } from './workspaces.module';

runServiceMain({
  service: 'workspaces',
  module: WorkspacesModule,
  migrations: [
    { name: '0002_workspaces_read_models', class: WorkspacesReadModels },
    { name: '0003_invitations_and_erasures', class: InvitationsAndErasures },
  ],
  entities: [OrganizationRecord, OrganizationMemberRecord, WorkspaceRecord, JoinCodeRecord, WorkspaceMemberRecord, PersonalWorkspaceRecord, InvitationRecord],
});
