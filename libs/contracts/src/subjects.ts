/**
 * Every NATS name of Mnemo, spelled once. Apps never write a subject, stream or consumer name as a literal:
 * renaming one here is a migration. Every name carries the configurable prefix (`NATS_PREFIX`), so test runs
 * and a running stack share one server without crossing.
 */
export const SERVICES = ['identity', 'workspaces', 'memory', 'scheduler'] as const;
export type ServiceName = (typeof SERVICES)[number];
export type AppName = ServiceName | 'gateway';

/** RPC operations every service answers. */
export const COMMON_OPERATIONS = {
  health: 'health',
  /** Step of an account erasure (`EraseUserRequest`): drop what the service holds about the user; idempotent. */
  eraseUser: 'eraseUser',
} as const;


export class NatsNames {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) {
      throw new Error(`NATS_PREFIX must be 1-32 characters of [A-Za-z0-9_-], got "${prefix}"`);
    }
  }

  /** `rpc.<service>.<operation>` request/reply subject. */
  rpc(service: ServiceName, operation: string): string {
    return `${this.prefix}.rpc.${service}.${operation}`;
  }

  /** `<service>.<aggregate>.<event>` domain event subject. */
  event(service: ServiceName, aggregate: string, event: string): string {
    return `${this.prefix}.${service}.${aggregate}.${event}`;
  }

  /** The subject of one event type (`<aggregate>.<event>`, e.g. `workspace.deleted`) of a service. */
  eventOfType(service: ServiceName, eventType: string): string {
    const [aggregate, ...rest] = eventType.split('.');
    if (!aggregate || rest.length === 0) throw new Error(`event type "${eventType}" must be "<aggregate>.<event>"`);
    return this.event(service, aggregate, rest.join('.'));
  }

  /** The JetStream stream owned by one service, holding all of its domain events. */
  eventStream(service: ServiceName): StreamDefinition {
    return {
      name: `${this.prefix}_${service}`,
      subjects: [`${this.prefix}.${service}.>`],
      kind: 'events',
    };
  }

  /** Dead letters of every consumer of every service: `dlq.<service>.<consumer>`. */
  deadLetterStream(): StreamDefinition {
    return { name: `${this.prefix}_dlq`, subjects: [`${this.prefix}.dlq.>`], kind: 'dead-letters' };
  }

  deadLetterSubject(service: AppName, consumer: string): string {
    return `${this.prefix}.dlq.${service}.${consumer}`;
  }

  /** Durable consumer names may not contain dots. */
  durable(service: AppName, consumer: string): string {
    return `${this.prefix}_${service}_${consumer}`.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  /** Queue group shared by the replicas of one service, so each request is answered once. */
  queue(service: ServiceName): string {
    return `${this.prefix}.${service}`;
  }

  /**
   * Signed checkpoints of the audit chains (DESIGN.md "Audit log"): a stream of its own with deny_delete and
   * deny_purge and no max_age, created by the memory service; not part of `allStreams()` (events expire, these
   * must not). One subject per chain: `<prefix>.audit.checkpoints.<owner_workspace_id>`.
   */
  auditCheckpointStream(): { name: string; subjects: string[] } {
    return { name: `${this.prefix}_audit_checkpoints`, subjects: [`${this.prefix}.audit.checkpoints.>`] };
  }

  auditCheckpointSubject(chain: number): string {
    return `${this.prefix}.audit.checkpoints.${chain}`;
  }

  allStreams(): StreamDefinition[] {
    return [...SERVICES.map((service) => this.eventStream(service)), this.deadLetterStream()];
  }
}

export interface StreamDefinition {
  name: string;
  subjects: string[];
  kind: 'events' | 'dead-letters';
}

/** Stream settings fixed by DESIGN.md: re-publishes within an hour are dropped, copies expire after 7 days. */
export const STREAM_DUPLICATE_WINDOW_MS = 60 * 60 * 1000;
export const STREAM_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The pattern of an RPC handler, without the prefix: `rpc.<service>.<operation>`. Handlers are declared with
 * it; the transport adds the configured prefix on the wire (see `NatsNames.rpc`).
 */
export function rpcPattern(service: ServiceName, operation: string): string {
  return `rpc.${service}.${operation}`;
}
