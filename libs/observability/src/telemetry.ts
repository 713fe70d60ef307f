import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { MnemoConfig } from '@mnemo/contracts';

/**
 * Keeps a tracer provider registered, so every request still gets a trace id for the logs, while exporting
 * nothing: exporters stay off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
class DiscardingSpanProcessor implements SpanProcessor {
  onStart(): void {}
  onEnd(): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

let sdk: NodeSDK | undefined;

/** Starts the OpenTelemetry NodeSDK; call it first thing in each app's main. */
export function startTelemetry(config: Pick<MnemoConfig, 'app' | 'otelEndpoint'>, extraProcessors: SpanProcessor[] = []): void {
  if (sdk) return;
  const processors: SpanProcessor[] = config.otelEndpoint
    ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${config.otelEndpoint.replace(/\/$/, '')}/v1/traces` }) })]
    : [new DiscardingSpanProcessor()];
  sdk = new NodeSDK({
    serviceName: `mnemo-${config.app}`,
    spanProcessors: [...processors, ...extraProcessors],
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
}

const tracer = () => trace.getTracer('mnemo');

export type Carrier = Record<string, string>;

/** The W3C trace headers of the active span, to put on an outgoing message. */
export function injectTraceContext(carrier: Carrier = {}): Carrier {
  propagation.inject(context.active(), carrier);
  return carrier;
}

export function currentTraceparent(): string | undefined {
  return injectTraceContext().traceparent;
}

export function currentTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** W3C headers of the message that caused this work; the span continues that trace. */
  parent?: Carrier;
  attributes?: Record<string, string | number | boolean>;
}

/** Runs `work` inside a new span, ending it and recording a failure when `work` throws. */
export async function withSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parentContext = options.parent ? propagation.extract(context.active(), options.parent) : context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parentContext);
  try {
    return await context.with(trace.setSpan(parentContext, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };
