// Load balancing, a client built on the official Go SDK (github.com/resonatehq/resonate-sdk-go,
// pinned in ../go.mod): asks any worker of the group "workers" to run
// compute_something(id, cost), like examples/load_balancing/client.cpp and
// tests/interop/python/client.py.
//
//	client [--url http://127.0.0.1:8001] [--id job-1] [--cost 5] [--wait] [--verbose]
//
// The call goes to the target poll://any@workers; calling again with an id that exists
// attaches to the first execution. Prints "submitted id=... cost=Ns" once the promise is
// stored, then with --wait "result id=... <JSON>" or "error id=... <message>"; exit status 0
// unless the call failed.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	resonate "github.com/resonatehq/resonate-sdk-go"
	"github.com/resonatehq/resonate-sdk-go/httpnet"

	"resonate-cpp/interop/progress"
)

func randomJobID() string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "job-" + hex.EncodeToString(b[:])
}

func call(r *resonate.Resonate, id string, cost int, wait bool) error {
	ctx := context.Background()
	// Positional arguments, as the other SDKs send them: ["job-4", 5].
	handle, err := r.RPC(ctx, id, "compute_something", []any{id, cost},
		resonate.RPCOptions{Target: "poll://any@workers"})
	if err != nil {
		return err
	}
	// RPC returns once the promise is stored (promise.create) and a listener is registered.
	progress.Say(fmt.Sprintf("submitted id=%s cost=%ds", id, cost))
	if !wait {
		return nil
	}
	var value json.RawMessage
	if err := handle.Result(ctx, &value); err != nil {
		return err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, value); err != nil {
		return err
	}
	progress.Say(fmt.Sprintf("result id=%s %s", id, compact.String()))
	return nil
}

func main() {
	defaultURL := os.Getenv("RESONATE_URL")
	if defaultURL == "" {
		defaultURL = "http://127.0.0.1:8001"
	}
	url := flag.String("url", defaultURL, "server URL")
	id := flag.String("id", randomJobID(), "the call's id (its promise id)")
	cost := flag.Int("cost", 5, "seconds")
	wait := flag.Bool("wait", false, "wait for the result and print it")
	verbose := flag.Bool("verbose", false, "the SDK's whole log on stderr")
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	progress.ConfigureLogging("", *verbose) // before resonate.New, which captures the logger

	// A group of its own: the client serves no function.
	r, err := resonate.New(resonate.Config{Network: httpnet.NewHTTP(*url, httpnet.HTTPOptions{Group: "clients"})})
	if err != nil {
		fmt.Fprintf(os.Stderr, "client: %v\n", err)
		os.Exit(1)
	}
	status := 0
	if err := call(r, *id, *cost, *wait); err != nil {
		progress.Say(fmt.Sprintf("error id=%s %v", *id, err))
		fmt.Fprintf(os.Stderr, "client: %T: %v\n", err, err)
		status = 1
	}
	_ = r.Stop()
	os.Exit(status)
}
