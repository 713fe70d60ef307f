import { jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { STREAM_DUPLICATE_WINDOW_MS, STREAM_MAX_AGE_MS, type NatsNames, type StreamDefinition } from '@mnemo/contracts';

function streamConfig(definition: StreamDefinition): Partial<StreamConfig> & { name: string } {
  return {
    name: definition.name,
    subjects: definition.subjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(STREAM_DUPLICATE_WINDOW_MS),
    max_age: nanos(STREAM_MAX_AGE_MS),
    // 1 MiB: nothing we publish may be larger than the server's default max_payload.
    max_msg_size: 1024 * 1024,
  };
}

/**
 * Creates every stream named in libs/contracts, or brings an existing one to the same settings. Idempotent:
 * every app calls it at start, and several may race.
 */
export async function ensureStreams(nc: NatsConnection, names: NatsNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const definition of names.allStreams()) {
    const wanted = streamConfig(definition);
    try {
      const info = await jsm.streams.info(definition.name);
      const current = info.config;
      if (
        current.duplicate_window !== wanted.duplicate_window ||
        current.max_age !== wanted.max_age ||
        current.subjects.join() !== wanted.subjects!.join()
      ) {
        await jsm.streams.update(definition.name, { ...current, ...wanted });
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await jsm.streams.add(wanted);
      } catch (addError) {
        // Another app created it between our info and add: fine if it now exists.
        await jsm.streams.info(definition.name).catch(() => {
          throw addError;
        });
      }
    }
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; message?: string; name?: string };
  return e?.name === 'StreamNotFoundError' || /not found/i.test(e?.message ?? '');
}
