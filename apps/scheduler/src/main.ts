import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { SchedulerModule } from './scheduler.module';

runServiceMain({ service: 'scheduler', module: SchedulerModule });
