package telemetry

import (
	"context"
	"fmt"
	"runtime/debug"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracerProviderFromEnv returns the tracer provider the standard
// OpenTelemetry variables ask for: an OTLP/HTTP exporter behind a batch
// processor when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, and nil (tracing off, no cost)
// when neither is or OTEL_SDK_DISABLED=true. The exporter, the sampler
// (OTEL_TRACES_SAMPLER, default parentbased_always_on), the batch
// processor (OTEL_BSP_*) and the resource (OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES) read the rest of their settings from the
// process environment, as the OpenTelemetry specification says.
//
// shutdown flushes the spans still buffered; call it after the server has
// drained.
func TracerProviderFromEnv(ctx context.Context, getenv func(string) string) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	noShutdown := func(context.Context) error { return nil }
	if getenv("OTEL_SDK_DISABLED") == "true" ||
		(getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "") {
		return nil, noShutdown, nil
	}
	proto := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if proto != "" && proto != "http/protobuf" {
		return nil, noShutdown, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: boxoffice exports traces with http/protobuf only (port 4318 of a collector)", proto)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, noShutdown, fmt.Errorf("otlp trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "boxoffice"), attribute.String("service.version", buildVersion())),
		resource.WithFromEnv(), resource.WithHost(), resource.WithProcessPID())
	if err != nil {
		return nil, noShutdown, fmt.Errorf("trace resource: %w", err)
	}
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return p, p.Shutdown, nil
}

// buildVersion is the module version and VCS revision the binary was built
// from, for the service.version resource attribute.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += "+" + s.Value
		}
	}
	return v
}
