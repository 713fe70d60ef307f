import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { WorkspacesReadModels } from './migrations/0002-workspaces-read-models';
import { WorkspaceMemberRecord } from './membership/membership.projection';
import { OrganizationMemberRecord, OrganizationRecord } from './organization/organization.projection';
import { PersonalWorkspaceRecord } from './workspace/personal-workspace';
import { JoinCodeRecord, WorkspaceRecord } from './workspace/workspace.projection';
import { WorkspacesModule } from './workspaces.module';

runServiceMain({
  service: 'workspaces',
  module: WorkspacesModule,
  migrations: [{ name: '0002_workspaces_read_models', class: WorkspacesReadModels }],
  entities: [OrganizationRecord, OrganizationMemberRecord, WorkspaceRecord, JoinCodeRecord, WorkspaceMemberRecord, PersonalWorkspaceRecord],
});
