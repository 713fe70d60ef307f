import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { MemoriesReadModel } from './migrations/0002-memories';
import { ContextSpacesReadModel } from './migrations/0003-context-spaces';
import { MemoryModule } from './memory.module';

runServiceMain({
  service: 'memory',
  module: MemoryModule,
  migrations: [
    { name: '0002_memories', class: MemoriesReadModel },
    { name: '0003_context_spaces', class: ContextSpacesReadModel },
  ],
});
