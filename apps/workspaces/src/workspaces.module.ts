import { Module } from '@nestjs/common';
import { ErasureHandlers } from './erasure/erasure.handlers';
import { InvitationHandlers } from './invitation/invitation.handlers';
import { MembershipHandlers } from './membership/membership.handlers';
import { OrganizationHandlers } from './organization/organization.handlers';
import { WorkspaceHandlers } from './workspace/workspace.handlers';

/** The workspaces service's RPC controllers; the runtime (ORM, event store, NATS) is injected by token. */
@Module({ controllers: [WorkspaceHandlers, MembershipHandlers, OrganizationHandlers, InvitationHandlers, ErasureHandlers] })
export class WorkspacesModule {}
