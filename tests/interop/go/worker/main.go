// Load balancing, a worker built on the official Go SDK (github.com/resonatehq/resonate-sdk-go,
// pinned in ../go.mod): serves the group "workers" of a Resonate server, like
// examples/load_balancing/worker.cpp and tests/interop/python/worker.py.
//
//	worker [--url http://127.0.0.1:8001] [--name worker-1] [--ttl-ms 5000] [--verbose]
//
// (--url falls back to RESONATE_URL, then to http://127.0.0.1:8001.)
//
// compute_something(id, cost) "works" for cost seconds with a durable sleep and returns who
// started and who finished it. Its durable calls are laid out as in the Python worker, since
// the Go SDK, like Python's, numbers the durable calls of an execution from 1:
//
//	C++, TS   id:0 run(claim) -> name   id:1 now() -> ms      id:2 sleep(cost)
//	Python                              id:1 run(now) -> ms   id:2 sleep(cost)   id:3 run(claim) -> name
//	Go                                  id.1 run(now) -> ms   id.2 sleep(cost)   id.3 run(claim) -> name
//
// The Go SDK joins a child id to its parent with "." (job-4.1), where the others use ":"
// (job-4:1), so its checkpoints are not at the others' ids: an execution started by a worker
// of another SDK is replayed by a Go worker from the top (a new start time and a new sleep).
//
// Output, one line per event (the C++ example's, plus SDK events):
//
//	[worker-1] ready  pid=... group=workers
//	[worker-1] connected
//	[worker-1] start  id=job-4 cost=5s at 12:00:01.250 at_ms=...
//	[worker-1] suspended id=job-4
//	[worker-2] resume id=job-4 started by worker-1 at 12:00:01.250, sleep already over
//	[worker-2] done   id=job-4 took 5.6s (expected end 12:00:06.250, actual 12:00:06.850)
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	resonate "github.com/resonatehq/resonate-sdk-go"
	"github.com/resonatehq/resonate-sdk-go/httpnet"

	"resonate-cpp/interop/progress"
)

// Call is compute_something's arguments, positional on the wire as every SDK sends them:
// ["job-4", 5].
type Call struct {
	ID   string
	Cost int
}

func (c *Call) UnmarshalJSON(data []byte) error {
	var positional []json.RawMessage
	if err := json.Unmarshal(data, &positional); err != nil {
		return fmt.Errorf("compute_something: arguments must be [id, cost]: %w", err)
	}
	if len(positional) != 2 {
		return fmt.Errorf("compute_something: want 2 arguments [id, cost], got %d", len(positional))
	}
	if err := json.Unmarshal(positional[0], &c.ID); err != nil {
		return fmt.Errorf("compute_something: id: %w", err)
	}
	if err := json.Unmarshal(positional[1], &c.Cost); err != nil {
		return fmt.Errorf("compute_something: cost: %w", err)
	}
	return nil
}

// Result is compute_something's value; the fields in the order of the other SDKs' objects.
type Result struct {
	ID         string `json:"id"`
	Cost       int    `json:"cost"`
	StartedBy  string `json:"started_by"`
	FinishedBy string `json:"finished_by"`
	StartedAt  int64  `json:"started_at"`
	FinishedAt int64  `json:"finished_at"`
}

func computeSomething(name string) func(*resonate.Context, Call) (Result, error) {
	return func(ctx *resonate.Context, call Call) (Result, error) {
		// Recorded steps: they run once, and every replay gets their first result back.
		firstPass := false
		started := func() (int64, error) {
			firstPass = true // only runs when this is the first execution
			return progress.NowMs(), nil
		}
		claim := func() (string, error) { return name, nil }

		var startedAt int64
		future, err := ctx.Run(started, nil) // id.1
		if err != nil {
			return Result{}, err
		}
		if err := future.Await(&startedAt); err != nil {
			return Result{}, err
		}
		// Durable: the deadline is fixed by the first execution, so a replay waits only for
		// what is left of it. Made before the claim, as in the Python worker; awaited after.
		sleeping, err := ctx.Sleep(time.Duration(call.Cost) * time.Second) // id.2
		if err != nil {
			return Result{}, err
		}
		var startedBy string
		future, err = ctx.Run(claim, nil) // id.3
		if err != nil {
			return Result{}, err
		}
		if err := future.Await(&startedBy); err != nil {
			return Result{}, err
		}

		expectedEnd := startedAt + int64(call.Cost)*1000
		if firstPass {
			progress.Say(fmt.Sprintf("[%s] start  id=%s cost=%ds at %s at_ms=%d",
				name, call.ID, call.Cost, progress.ClockTime(startedAt), startedAt))
		} else {
			rest := "sleep already over"
			if left := expectedEnd - progress.NowMs(); left > 0 {
				rest = progress.Seconds(left) + " of sleep left"
			}
			by := startedBy
			if by == name {
				by = "this worker"
			}
			progress.Say(fmt.Sprintf("[%s] resume id=%s started by %s at %s, %s",
				name, call.ID, by, progress.ClockTime(startedAt), rest))
		}

		// Pending: unwinds this pass (the SDK suspends the task on the timer); settled on a
		// replay after the deadline.
		if err := sleeping.Await(nil); err != nil {
			return Result{}, err
		}

		finishedAt := progress.NowMs()
		progress.Say(fmt.Sprintf("[%s] done   id=%s took %s (expected end %s, actual %s)",
			name, call.ID, progress.Seconds(finishedAt-startedAt), progress.ClockTime(expectedEnd),
			progress.ClockTime(finishedAt)))
		return Result{
			ID:         call.ID,
			Cost:       call.Cost,
			StartedBy:  startedBy,
			FinishedBy: name,
			StartedAt:  startedAt,
			FinishedAt: finishedAt,
		}, nil
	}
}

func randomPID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func main() {
	defaultURL := os.Getenv("RESONATE_URL")
	if defaultURL == "" {
		defaultURL = "http://127.0.0.1:8001"
	}
	url := flag.String("url", defaultURL, "server URL")
	name := flag.String("name", "worker", "worker name, in its lines and results")
	ttlMs := flag.Int("ttl-ms", 5000, "task lease in ms (a dead worker's lease lapses within it)")
	verbose := flag.Bool("verbose", false, "the SDK's whole log on stderr")
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	prefix := "[" + *name + "] "
	progress.ConfigureLogging(prefix, *verbose) // before resonate.New, which captures the logger

	pid := randomPID()
	network := httpnet.NewHTTP(*url, httpnet.HTTPOptions{
		PID:    pid,
		Group:  "workers",
		Client: &http.Client{Transport: progress.ConnectedReporter{Prefix: prefix, Base: http.DefaultTransport}},
	})
	r, err := resonate.New(resonate.Config{Network: network, TTL: time.Duration(*ttlMs) * time.Millisecond})
	if err != nil {
		fmt.Fprintf(os.Stderr, "worker: %v\n", err)
		os.Exit(1)
	}
	if _, err := resonate.Register(r, "compute_something", computeSomething(*name)); err != nil {
		fmt.Fprintf(os.Stderr, "worker: %v\n", err)
		os.Exit(1)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	progress.Say(fmt.Sprintf("[%s] ready  pid=%s group=%s", *name, r.PID(), network.Group()))
	<-stop
	_ = r.Stop()
}
