import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { RpcClient } from '@mnemo/messaging';
import { AccountController } from './accounts/account.controller';
import { AuthController } from './accounts/auth.controller';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { HealthController } from './health/health.controller';
import { IconsController } from './icons/icons.controller';
import { NavigationController } from './navigation/navigation.controller';
import { InvitationsController } from './invitations/invitations.controller';
import { JoinController } from './members/join.controller';
import { MembersController } from './members/members.controller';
import { OrganizationsController } from './organizations/organizations.controller';
import { MEMORY_CONTROLLERS } from './memories';
import { ExportController } from './export/export.controller';
import { BILLING_CONTROLLERS } from './billing/billing.controller';
import { AuditController } from './audit/audit.controller';
import { WorkspacesController } from './workspaces/workspaces.controller';
import { StatusController } from './status/status.controller';
import { GATEWAY_RUNTIME, type GatewayRuntime } from './gateway.runtime';

@Module({})
export class GatewayModule {
  static forRoot(runtime: GatewayRuntime, extraControllers: Type[] = []): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [HealthController, AuthController, AccountController, ApiKeysController, WorkspacesController, OrganizationsController, MembersController, JoinController, InvitationsController, ...MEMORY_CONTROLLERS, ...BILLING_CONTROLLERS, AuditController, IconsController, NavigationController, StatusController, ExportController, ...extraControllers],
      providers: [
        { provide: GATEWAY_RUNTIME, useValue: runtime },
        { provide: RpcClient, useValue: runtime.rpc },
      ],
      exports: [GATEWAY_RUNTIME, RpcClient],
    };
  }
}
