import { Module } from '@nestjs/common';

/** The workspaces service's RPC controllers and providers. */
@Module({})
export class WorkspacesModule {}
