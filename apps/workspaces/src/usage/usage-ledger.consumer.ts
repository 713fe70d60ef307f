import type { EventConsumerOptions, ServiceRuntime } from '@mnemo/messaging';
import { USAGE_EVENT_TYPES, type ServiceName } from '@mnemo/contracts';
import { STARTUP_PLAN_CATALOG } from './usage-caps';
import { recordUsage } from './usage-ledger';

type ConsumerDefinition = Omit<EventConsumerOptions, 'nc' | 'names' | 'orm' | 'logger' | 'app'>;

/**
 * The usage ledger's durable consumers of `usage.recorded` facts: the memory service's (writes, retrieves) and
 * the scheduler's (run units), each from its own stream. The inbox row commits with the ledger update, so a
 * redelivered fact (same event id) adds nothing. Unordered: additions commute.
 */
export function usageLedgerConsumers(runtime: ServiceRuntime): ConsumerDefinition[] {
  const from = (source: ServiceName, name: string): ConsumerDefinition => ({
    name,
    source,
    filterSubject: runtime.names.eventOfType(source, USAGE_EVENT_TYPES.usageRecorded),
    ordered: false,
    handle: (em, envelope) => recordUsage(em, runtime.store, STARTUP_PLAN_CATALOG, envelope),
  });
  return [from('memory', 'usage-ledger'), from('scheduler', 'usage-ledger-scheduler')];
}
