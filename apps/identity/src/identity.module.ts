import { Module } from '@nestjs/common';
import { ApiKeyHandlers } from './api-key/api-key.handlers';
import { KeyRevocation } from './api-key/key-revocation';
import { ErasureHandlers, ErasureSaga } from './erasure/erasure.handlers';
import { CredentialHandlers } from './credential/credential.handlers';
import { InvitationMailHandlers } from './mail/invitation-mail.handlers';
import { AccountHandlers } from './user/account.handlers';
import { PersonalWorkspaces } from './user/personal-workspaces';

/** The identity service's RPC controllers; the ports and settings come from main.ts. */
@Module({
  controllers: [AccountHandlers, CredentialHandlers, ApiKeyHandlers, ErasureHandlers, InvitationMailHandlers],
  providers: [PersonalWorkspaces, KeyRevocation, ErasureSaga],
})
export class IdentityModule {}
