/**
 * The envelope of every domain event, as stored in a service's event table and published on JetStream.
 * Exactly one owner id is set, so consumers can scope every event to its tenant.
 */
export interface EventEnvelope<TType extends string = string, TData = Record<string, unknown>> {
  id: string;
  type: TType;
  schemaVersion: number;
  streamId: string;
  streamVersion: number;
  globalPosition?: string;
  workspaceId?: string;
  organizationId?: string;
  userId?: string;
  actor: string;
  occurredAt: string;
  traceparent?: string;
  data: TData;
}

/** An event as a `decide` function returns it, before the store gives it an id, a version and a time. */
export interface NewEvent<TType extends string = string, TData = Record<string, unknown>> {
  type: TType;
  schemaVersion?: number;
  data: TData;
}

export type EventOwner = { workspaceId: string } | { organizationId: string } | { userId: string };
