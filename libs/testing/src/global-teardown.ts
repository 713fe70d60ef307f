import type { RunningStack } from '../../../scripts/stack';
import { cleanUpIsolated, testStack } from './environment';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __MNEMO_STACK__?: RunningStack }).__MNEMO_STACK__;
  await stack?.stop();
  await (globalThis as { __MNEMO_MAIL__?: { close(): Promise<void> } }).__MNEMO_MAIL__?.close();
  await (globalThis as { __MNEMO_STRIPE__?: { close(): Promise<void> } }).__MNEMO_STRIPE__?.close();
  if (process.env.MNEMO_TEST_GATEWAY_URL) await cleanUpIsolated(testStack().config);
}
