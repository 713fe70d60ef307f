import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { WorkspacesModule } from './workspaces.module';

runServiceMain({ service: 'workspaces', module: WorkspacesModule });
