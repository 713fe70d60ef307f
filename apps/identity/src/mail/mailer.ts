import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from '@mnemo/observability';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** The port identity sends mail through. Sending never fails a signup: callers log and go on. */
export abstract class Mailer {
  abstract send(message: MailMessage): Promise<void>;
}

/** SMTP through nodemailer. */
export class SmtpMailer extends Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    this.transport = createTransport(smtpUrl);
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...message });
  }
}

/**
 * Without SMTP_URL (e.g. `npm start` on a laptop) mail stays in-process: the message is logged so the
 * developer can follow the link. Never used when SMTP_URL is set.
 */
export class LoggingMailer extends Mailer {
  constructor(private readonly logger: Logger) {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    this.logger.info({ mail_to: message.to, subject: message.subject, body: message.text }, 'mail (in-process sink; set SMTP_URL to send)');
  }
}
