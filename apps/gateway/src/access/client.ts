/** The form an email takes as a rate-limit subject: one mailbox, one counter. */
export function normalizedEmail(email: string): string {
  return email.trim().toLowerCase();
}
