import type { RpcMetadata } from '@mnemo/contracts';

/** The envelope's actor: the principal the caller named, else the user the request is about. */
export function actorOf(metadata: RpcMetadata | undefined, userId: string): string {
  return metadata?.principal ? `${metadata.principal.type}:${metadata.principal.id}` : `user:${userId}`;
}
