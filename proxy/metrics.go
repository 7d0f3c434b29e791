package proxy

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the relay's Prometheus metrics, in a registry of the Server's
// own so that servers (and tests) do not share counters.
type metrics struct {
	registry *prometheus.Registry

	accepted prometheus.Counter
	refused  *prometheus.CounterVec
	// refusalLogsSuppressed counts refusal log lines left out by sampling.
	refusalLogsSuppressed prometheus.Counter
	ended                 *prometheus.CounterVec
	// bytes counts bytes relayed, by direction (toUpstream, toClient).
	bytes    [2]prometheus.Counter
	dial     prometheus.Histogram
	duration prometheus.Histogram
}

func newMetrics(openConns, bufferBytes func() float64) *metrics {
	const ns, sub = "waprivacy", "relay"
	m := &metrics{
		registry: prometheus.NewRegistry(),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "connections_accepted_total",
			Help: "Relay sessions established: browser accepted and upstream dialed.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "connections_refused_total",
			Help: "Relay connections turned away, by reason.",
		}, []string{"reason"}),
		refusalLogsSuppressed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "refusal_log_lines_suppressed_total",
			Help: "Refusal log lines left out because their reason went over its lines per second; connections_refused_total still counts every refusal.",
		}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "sessions_ended_total",
			Help: "Relay sessions ended, by what ended them.",
		}, []string{"reason"}),
		dial: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "upstream_dial_seconds",
			Help:    "Time to connect to the upstream, WebSocket handshake included, for successful dials.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "session_duration_seconds",
			Help:    "Lifetime of relay sessions.",
			Buckets: []float64{1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600},
		}),
	}
	bytes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "bytes_total",
		Help: "WebSocket bytes relayed (frames, headers included), by direction.",
	}, []string{"direction"})
	m.bytes[toUpstream] = bytes.WithLabelValues("to_upstream")
	m.bytes[toClient] = bytes.WithLabelValues("to_client")
	// Every reason shows up from the start, so rates and alerts need no
	// special case for a series that does not exist yet.
	for _, r := range refusals {
		m.refused.WithLabelValues(string(r))
	}
	for _, r := range endReasons {
		m.ended.WithLabelValues(string(r))
	}
	m.registry.MustRegister(
		m.accepted, m.refused, m.refusalLogsSuppressed, m.ended, bytes, m.dial, m.duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "connections_open",
			Help: "Relay connections open: admitted and not yet ended.",
		}, openConns),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "buffer_bytes",
			Help: "Pooled copy-buffer bytes held by frames in flight; at most two buffers per session.",
		}, bufferBytes),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// waVersionMetrics are the WhatsApp Web version tracker's metrics, which
// New registers in the relay's registry.
type waVersionMetrics struct {
	failures   prometheus.Counter
	collectors []prometheus.Collector
}

// newWAVersionMetrics reads the served revision and the time it was last
// fetched (Unix seconds) through the given functions, which return 0 while
// there is none.
func newWAVersionMetrics(revision, fetchedAt func() float64) *waVersionMetrics {
	const ns, sub = "waprivacy", "wa_version"
	m := &waVersionMetrics{
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "refresh_failures_total",
			Help: "Failed attempts to learn the WhatsApp Web version from its source.",
		}),
	}
	m.collectors = []prometheus.Collector{
		m.failures,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "client_revision",
			Help: "Client revision of the WhatsApp Web version served at /wa-version (2.3000.<revision>); 0 while none is known.",
		}, revision),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "last_success_timestamp_seconds",
			Help: "Unix time of the last successful fetch of the WhatsApp Web version; 0 before the first.",
		}, fetchedAt),
	}
	return m
}
