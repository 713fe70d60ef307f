import type { FastifyRequest } from 'fastify';
import { MnemoError, type ServiceName } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';
import { metadataOf } from '../access/authenticated';

/** Calls a service for a request and returns its data; a refusal becomes the same error for the client. */
export async function callService<T>(rpc: RpcClient, service: ServiceName, operation: string, payload: unknown, request: FastifyRequest): Promise<T> {
  const reply = await rpc.call<T>(service, operation, payload, metadataOf(request));
  if (!reply.ok) throw new MnemoError(reply.error.code, reply.error.message, reply.error.details);
  return reply.data;
}
