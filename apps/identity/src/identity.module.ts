import { Module } from '@nestjs/common';
import { ApiKeyHandlers } from './api-key/api-key.handlers';
import { CredentialHandlers } from './credential/credential.handlers';
import { AccountHandlers } from './user/account.handlers';
import { PersonalWorkspaces } from './user/personal-workspaces';

/** The identity service's RPC controllers; the ports and settings come from main.ts. */
@Module({
  controllers: [AccountHandlers, CredentialHandlers, ApiKeyHandlers],
  providers: [PersonalWorkspaces],
})
export class IdentityModule {}
