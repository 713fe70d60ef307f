import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  BILLING_RPC,
  MAX_PAYMENT_WEBHOOK_BYTES,
  MnemoError,
  parseWorkspaceId,
  type ListPlansReply,
  type StripeWebhookReply,
  type SubscriptionResource,
  type Versioned,
  type WorkspaceCaller,
} from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { etagOf, ifMatchOf } from '../spine/if-match';
import { SubscriptionBody } from './billing.dto';

/** GET /v1/plans: the public plan catalogue. */
@ApiTags('billing')
@Controller('v1/plans')
export class PlansController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  @Get()
  async list(@Req() request: FastifyRequest): Promise<ListPlansReply> {
    return callService(this.runtime.rpc, 'workspaces', BILLING_RPC.listPlans, {}, request);
  }
}

/**
 * A workspace's subscription. The workspaces service decides who may see or change it (an organization's
 * billing_admin may without being a member); a key reaches only its own workspace.
 */
@ApiTags('billing')
@ApiBearerAuth()
@Controller('v1/workspaces/:id/subscription')
export class SubscriptionController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  /** The ETag is the subscription's version. */
  @Get()
  async get(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SubscriptionResource> {
    return this.versioned(BILLING_RPC.getSubscription, subscriptionTarget(request), request, reply);
  }

  /** A paid plan answers `checkout_url`; the plan changes once the payment provider reports the payment. */
  @Put()
  @ApiHeader({ name: 'If-Match', required: false, description: 'the ETag you read; a stale one answers 409 CONFLICT' })
  async change(
    @Body() body: SubscriptionBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubscriptionResource> {
    return this.versioned(
      BILLING_RPC.changeSubscription,
      { ...subscriptionTarget(request), plan_name: body.plan_name, billing_cycle: body.billing_cycle ?? 'monthly', ...ifMatchOf(ifMatch) },
      request,
      reply,
    );
  }

  private async versioned(operation: string, payload: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply): Promise<SubscriptionResource> {
    const { resource, version } = await callService<Versioned<SubscriptionResource>>(this.runtime.rpc, 'workspaces', operation, { ...payload, with_version: true }, request);
    void reply.header('ETag', etagOf(version));
    return resource;
  }
}

function subscriptionTarget(request: FastifyRequest): { workspace_id: number; caller: WorkspaceCaller } {
  const { credential } = authOf(request);
  const workspaceId = parseWorkspaceId((request.params as Record<string, string>).id);
  if (workspaceId === undefined) throw new MnemoError('NOT_FOUND', 'no such workspace');
  if (credential.kind === 'key') {
    // A key belongs to one workspace: any other id does not exist for it.
    if (workspaceId !== credential.workspace_id) throw new MnemoError('NOT_FOUND', 'no such workspace');
    return { workspace_id: workspaceId, caller: { kind: 'key', key_id: credential.key_id, scopes: credential.scopes, agent_id: credential.agent_id, created_by: credential.created_by } };
  }
  return { workspace_id: workspaceId, caller: { kind: 'session', user_id: credential.user_id } };
}

/**
 * POST /v1/billing/stripe: Stripe's webhook. No bearer auth: the `Stripe-Signature` header over the raw body
 * is the credential, verified by the workspaces service; any JSON the provider sends is accepted.
 */
@ApiTags('billing')
@Controller('v1/billing/stripe')
export class StripeWebhookController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  @Post()
  @HttpCode(200)
  async receive(@Req() request: FastifyRequest): Promise<StripeWebhookReply> {
    const body = request.body;
    if (!Buffer.isBuffer(body)) throw new MnemoError('VALIDATION_ERROR', 'send the event as application/json', { field: 'body' });
    if (body.length > MAX_PAYMENT_WEBHOOK_BYTES) throw new MnemoError('PAYLOAD_TOO_LARGE', `webhook bodies are limited to ${MAX_PAYMENT_WEBHOOK_BYTES} bytes`);
    const signature = request.headers['stripe-signature'];
    return callService(
      this.runtime.rpc,
      'workspaces',
      BILLING_RPC.handleStripeWebhook,
      { payload_base64: body.toString('base64'), signature: typeof signature === 'string' ? signature : '' },
      request,
    );
  }
}

export const BILLING_CONTROLLERS = [PlansController, SubscriptionController, StripeWebhookController];
