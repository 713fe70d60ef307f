import 'reflect-metadata';
import { EventStore } from '@mnemo/event-store';
import { runServiceMain } from '@mnemo/messaging';
import { createLogger } from '@mnemo/observability';
import { PasswordHasher } from './credential/secrets';
import { workspaceDeletionConsumer } from './erasure/workspace-deletion.consumer';
import { IdentityModule } from './identity.module';
import { loadIdentitySettings } from './identity.settings';
import { IDENTITY_SETTINGS } from './identity.tokens';
import { LoggingMailer, Mailer, SmtpMailer } from './mail/mailer';
import { IDENTITY_MIGRATIONS } from './migrations';
import { Sessions } from './session/sessions';

const settings = loadIdentitySettings();

runServiceMain({
  service: 'identity',
  module: IdentityModule,
  migrations: IDENTITY_MIGRATIONS,
  // A deleted workspace's API keys are revoked.
  consumers: (runtime) => [workspaceDeletionConsumer(runtime)],
  providers: (runtime) => [
    { provide: IDENTITY_SETTINGS, useValue: settings },
    { provide: PasswordHasher, useValue: new PasswordHasher(settings) },
    { provide: Sessions, useValue: new Sessions(runtime.store as EventStore, settings.sessionTtlMs) },
    {
      provide: Mailer,
      useValue: settings.smtpUrl
        ? new SmtpMailer(settings.smtpUrl, settings.mailFrom)
        : new LoggingMailer(createLogger({ app: 'identity', logLevel: runtime.config.logLevel })),
    },
  ],
});
