import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { MikroORM } from '@mikro-orm/postgresql';
import type { MnemoConfig, ServiceName } from '@mnemo/contracts';
import { roleConnectionUrl, serviceDatabase } from './database';

export interface ServiceOrmOptions {
  entities?: Function[];
  poolSize?: number;
}

/** The running app's ORM: connected as `<svc>_app`, which has DML on its own schema and nothing else. */
export async function openServiceOrm(
  config: Pick<MnemoConfig, 'databaseUrl' | 'databaseName' | 'databaseRolePassword'>,
  service: ServiceName,
  options: ServiceOrmOptions = {},
): Promise<MikroORM> {
  const db = serviceDatabase(service);
  return MikroORM.init({
    clientUrl: roleConnectionUrl(config, db.appRole),
    schema: db.schema,
    entities: options.entities ?? [],
    // Entities use the legacy decorators of @mikro-orm/decorators/legacy; types come from reflect-metadata.
    metadataProvider: ReflectMetadataProvider,
    discovery: { warnWhenNoEntities: false },
    pool: { min: 1, max: options.poolSize ?? 10 },
    allowGlobalContext: false,
  });
}
