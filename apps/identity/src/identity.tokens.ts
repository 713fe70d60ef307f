/** Injection token of the identity settings. */
export const IDENTITY_SETTINGS = Symbol('IDENTITY_SETTINGS');
