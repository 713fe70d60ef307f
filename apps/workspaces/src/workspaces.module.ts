import { Module } from '@nestjs/common';
import { MembershipHandlers } from './membership/membership.handlers';
import { WorkspaceHandlers } from './workspace/workspace.handlers';

/** The workspaces service's RPC controllers; the runtime (ORM, event store, NATS) is injected by token. */
@Module({ controllers: [WorkspaceHandlers, MembershipHandlers] })
export class WorkspacesModule {}
