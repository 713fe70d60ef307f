import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { IdentityModule } from './identity.module';

runServiceMain({ service: 'identity', module: IdentityModule });
