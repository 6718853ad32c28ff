// Package progress prints the lines the C++ test driver waits on, shared by the Go worker and
// client (the counterpart of tests/interop/python/progress.py).
//
// stdout carries only those lines, in the shape of the C++ example examples/load_balancing
// ("[name] event key=value ..." for a worker, "result id=..." for a client); the SDK's own log
// (log/slog) goes to stderr, warnings and errors only unless --verbose. A few of the SDK's log
// records become progress lines too: a task suspended, a task released after a failure, a
// background failure. The SDK logs nothing when its SSE stream opens, so "connected" comes
// from the HTTP client instead (ConnectedReporter).
package progress

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// NowMs is the wall clock in epoch milliseconds.
func NowMs() int64 { return time.Now().UnixMilli() }

// ClockTime is epoch milliseconds as local wall-clock time, hh:mm:ss.mmm.
func ClockTime(epochMs int64) string {
	return time.UnixMilli(epochMs).Format("15:04:05.000")
}

// Seconds is milliseconds as seconds with one decimal, "5.6s".
func Seconds(ms int64) string { return fmt.Sprintf("%.1fs", float64(ms)/1000) }

var stdout sync.Mutex

// Say writes one line to stdout in one write: several executions print concurrently, and
// os.Stdout is unbuffered, so the line reaches the pipe at once.
func Say(line string) {
	stdout.Lock()
	defer stdout.Unlock()
	_, _ = os.Stdout.WriteString(line + "\n")
}

// sdkEvents turns a few of the SDK's log records (resonate-sdk-go's slog messages) into
// progress lines, and passes every record on to a text handler on stderr.
type sdkEvents struct {
	prefix string
	attrs  []slog.Attr
	stderr slog.Handler
}

func (h *sdkEvents) Enabled(context.Context, slog.Level) bool { return true }

func (h *sdkEvents) Handle(ctx context.Context, record slog.Record) error {
	attrs := map[string]string{}
	for _, a := range h.attrs {
		attrs[a.Key] = a.Value.String()
	}
	record.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		return true
	})
	switch {
	case record.Message == "core: task suspended":
		Say(fmt.Sprintf("%ssuspended id=%s", h.prefix, attrs["task_id"]))
	case record.Message == "core: execution failed, releasing task":
		Say(fmt.Sprintf("%sreleased id=%s", h.prefix, attrs["task_id"]))
	case strings.HasSuffix(record.Message, " failed") && record.Level >= slog.LevelWarn:
		// core.OnMessage failed, ExecuteUntilBlocked failed, heartbeat failed, ...
		detail := record.Message
		if id := attrs["task_id"]; id != "" {
			detail += " id=" + id
		}
		if err := attrs["err"]; err != "" {
			detail += ": " + err
		}
		Say(fmt.Sprintf("%sfailure %s", h.prefix, detail))
	}
	if h.stderr.Enabled(ctx, record.Level) {
		return h.stderr.Handle(ctx, record)
	}
	return nil
}

func (h *sdkEvents) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &sdkEvents{prefix: h.prefix, attrs: append(append([]slog.Attr{}, h.attrs...), attrs...), stderr: h.stderr.WithAttrs(attrs)}
}

func (h *sdkEvents) WithGroup(name string) slog.Handler {
	return &sdkEvents{prefix: h.prefix, attrs: h.attrs, stderr: h.stderr.WithGroup(name)}
}

// ConfigureLogging makes the default slog logger (the one the SDK captures when it is
// constructed, so call this first) report SDK events as progress lines prefixed with `prefix`,
// and log to stderr: warnings and errors, or everything when verbose.
func ConfigureLogging(prefix string, verbose bool) {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	stderr := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	slog.SetDefault(slog.New(&sdkEvents{prefix: prefix, stderr: stderr}))
}

// ConnectedReporter is an http.RoundTripper that prints "<prefix>connected" each time the
// SDK's message stream (GET <url>/poll/<group>/<pid>) is answered with a success status.
type ConnectedReporter struct {
	Prefix string
	Base   http.RoundTripper
}

func (c ConnectedReporter) RoundTrip(request *http.Request) (*http.Response, error) {
	response, err := c.Base.RoundTrip(request)
	if err == nil && request.Method == http.MethodGet && strings.Contains(request.URL.Path, "/poll/") &&
		response.StatusCode >= 200 && response.StatusCode < 300 {
		Say(c.Prefix + "connected")
	}
	return response, err
}
