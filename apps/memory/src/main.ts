import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { MemoryModule } from './memory.module';

runServiceMain({ service: 'memory', module: MemoryModule });
