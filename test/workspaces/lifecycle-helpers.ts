import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { NatsNames, type EventEnvelope, type UsageUnit } from '@mnemo/contracts';
import { connectTestRpc, testStack, TEST_DATABASE_URL, TEST_REDIS_URL } from '@mnemo/testing';

/** A call to the gateway's admin port, with the operator credential unless `token` says otherwise. */
export async function admin(method: string, path: string, options: { body?: unknown; token?: string | null } = {}) {
  const stack = testStack();
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? stack.operatorToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.adminUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Every event of one type the workspaces service published for a workspace, read from its JetStream stream. */
export async function publishedWorkspaceEvents(type: string, workspaceId: number): Promise<EventEnvelope[]> {
  const stack = testStack();
  const names = new NatsNames(stack.natsPrefix);
  const [aggregate, event] = type.split('.');
  const nc = await connect({ servers: stack.config.natsUrl });
  try {
    const consumer = await jetstream(nc).consumers.get(names.eventStream('workspaces').name, {
      deliver_policy: DeliverPolicy.All,
      // One subject as a string: NATS 2.9 has no multi-filter consumers.
      filter_subjects: names.event('workspaces', aggregate, event),
    });
    const found: EventEnvelope[] = [];
    for (;;) {
      const message = await consumer.next({ expires: 1000 });
      if (!message) break;
      const envelope = message.json<EventEnvelope>();
      if ((envelope.data as { workspace_id?: number }).workspace_id === workspaceId) found.push(envelope);
      if (message.info.pending === 0) break;
    }
    await consumer.delete().catch(() => undefined);
    return found;
  } finally {
    await nc.close();
  }
}

/** A query on the stack's database (arranging time: making a period due; reading the event log). */
export async function stackQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${testStack().databaseName}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * The settings a second workspaces-service process needs to act like the stack's own: it joins the same RPC
 * queue group, so it answers any test's requests (payment webhooks included) while it runs.
 */
export function workspacesReplicaEnvironment(): NodeJS.ProcessEnv {
  const stack = testStack();
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_NAME: stack.databaseName,
    NATS_URL: stack.config.natsUrl,
    NATS_PREFIX: stack.natsPrefix,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `${stack.natsPrefix}:`,
    OPERATOR_TOKEN: stack.operatorToken,
    STRIPE_SECRET_KEY: process.env.MNEMO_TEST_STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: process.env.MNEMO_TEST_STRIPE_WEBHOOK_SECRET,
    STRIPE_API_BASE: process.env.MNEMO_TEST_STRIPE_API_BASE,
    PUBLIC_URL: stack.gatewayUrl,
    BILLING_GRACE_DAYS: '7',
  };
}

/** A `usage.recorded` fact as the memory service's outbox relay publishes it; `copies` deliveries of the same event id. */
export async function publishUsageFact(workspaceId: number, periodStart: string, unit: UsageUnit, quantity: number, copies = 1): Promise<string> {
  const names = new NatsNames(testStack().natsPrefix);
  const event = {
    id: uuidv7(),
    type: 'usage.recorded',
    schemaVersion: 1,
    streamId: `usage-${workspaceId}`,
    streamVersion: 1,
    workspaceId: String(workspaceId),
    actor: 'system:test',
    occurredAt: new Date().toISOString(),
    data: { workspace_id: workspaceId, period_start: periodStart, unit, quantity },
  };
  const rpc = await connectTestRpc();
  try {
    const js = jetstream(rpc.nc);
    // Distinct message ids get past JetStream's duplicate window: only the consumer's inbox stands between a
    // redelivery and a double count.
    for (let copy = 0; copy < copies; copy++) {
      await js.publish(names.event('memory', 'usage', 'recorded'), JSON.stringify(event), { msgID: `${event.id}-${copy}` });
    }
  } finally {
    await rpc.close();
  }
  return event.id;
}
