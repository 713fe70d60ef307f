import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  IDENTITY_RPC,
  WORKSPACES_RPC,
  type GetWorkspaceStandingReply,
  type ListUserWorkspacesReply,
  type Scope,
  type SessionReply,
  type SignupReply,
  type UserResource,
  type WorkspaceRole,
} from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { LoginBody, PasswordResetBody, PasswordResetConfirmBody, SignupBody, TokenBody } from './auth.dto';

/** The role a key acts with, shown by whoami and the workspace list: keys have scopes, not memberships. */
function roleOfScopes(scopes: Scope[]): WorkspaceRole {
  if (scopes.includes('workspace:admin')) return 'admin';
  if (scopes.includes('memory:write')) return 'member';
  return 'viewer';
}

@ApiTags('accounts')
@Controller('v1/auth')
export class AuthController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  /** Creates the account, its personal organization and first workspace, and a session. */
  @Post('signup')
  async signup(@Body() body: SignupBody, @Req() request: FastifyRequest): Promise<SignupReply> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.signup, body, request);
  }

  /** Failures never reveal whether the email has an account. */
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginBody, @Req() request: FastifyRequest): Promise<SessionReply> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.login, body, request);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: FastifyRequest): Promise<void> {
    const { credential } = authOf(request);
    if (credential.kind !== 'session') return;
    await callService(this.runtime.rpc, 'identity', IDENTITY_RPC.logout, { user_id: credential.user_id, session_id: credential.session_id }, request);
  }

  @Post('verify-email')
  @HttpCode(200)
  async verifyEmail(@Body() body: TokenBody, @Req() request: FastifyRequest): Promise<{ user: UserResource }> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.verifyEmail, body, request);
  }

  @ApiBearerAuth()
  @Post('verify-email/resend')
  @HttpCode(202)
  async resendVerification(@Req() request: FastifyRequest): Promise<{ sent: boolean }> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.resendVerification, { user_id: authOf(request).userId }, request);
  }

  /** Always 202, whether or not the email has an account. */
  @Post('password-reset')
  @HttpCode(202)
  async requestPasswordReset(@Body() body: PasswordResetBody, @Req() request: FastifyRequest): Promise<{ accepted: true }> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.requestPasswordReset, body, request);
  }

  /** Sets the new password and revokes every session of the account. */
  @Post('password-reset/confirm')
  @HttpCode(200)
  async confirmPasswordReset(@Body() body: PasswordResetConfirmBody, @Req() request: FastifyRequest): Promise<{ reset: true }> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.confirmPasswordReset, body, request);
  }

  @ApiBearerAuth()
  @Get('whoami')
  async whoami(@Req() request: FastifyRequest) {
    const auth = authOf(request);
    const user = auth.credential.kind === 'session' ? await callService<UserResource>(this.runtime.rpc, 'identity', IDENTITY_RPC.getUser, { user_id: auth.userId }, request) : undefined;
    return {
      principal: auth.principal,
      ...(user ? { user } : {}),
      workspace_id: auth.workspaceId,
      role: auth.credential.kind === 'key' ? roleOfScopes(auth.scopes) : auth.role,
      scopes: auth.scopes,
      agent_id: auth.agentId,
    };
  }

  /** Sessions: every workspace of the user with the role. Keys: the key's own workspace. */
  @ApiBearerAuth()
  @Get('workspaces')
  async workspaces(@Req() request: FastifyRequest): Promise<ListUserWorkspacesReply> {
    const auth = authOf(request);
    if (auth.credential.kind === 'session') {
      return callService(this.runtime.rpc, 'workspaces', WORKSPACES_RPC.listUserWorkspaces, { user_id: auth.userId }, request);
    }
    const standing = await callService<GetWorkspaceStandingReply>(this.runtime.rpc, 'workspaces', WORKSPACES_RPC.getWorkspaceStanding, { workspace_id: auth.credential.workspace_id }, request);
    return {
      workspaces: [
        { workspace_id: standing.workspace_id, name: standing.name, slug: standing.slug, role: roleOfScopes(auth.scopes), organization_id: standing.organization_id, status: standing.status },
      ],
    };
  }
}
