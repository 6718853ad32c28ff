//! Load balancing, a worker built on the official Rust SDK (crate resonate-sdk 0.4): serves the
//! group `workers` of a Resonate server, like examples/load_balancing/worker.cpp and
//! tests/interop/python/worker.py.
//!
//!     worker [--url http://127.0.0.1:8001] [--name worker-1] [--ttl-ms 5000] [--verbose]
//!
//! (--url falls back to RESONATE_URL, then to http://127.0.0.1:8001.)
//!
//! compute_something(id, cost) "works" for `cost` seconds with a durable sleep and returns who
//! started and who finished it. The SDK numbers the durable calls of an execution from 0, as the
//! C++ and TypeScript SDKs do, so the calls are in the C++ example's order:
//!
//!     C++, TS   root:0 run(claim) -> name   root:1 now() -> ms       root:2 sleep(cost)
//!     Rust      root.0 run(claim) -> name   root.1 run(started) -> ms root.2 sleep(cost)
//!
//! but the Rust SDK joins a child id to its parent with a dot where the others use a colon
//! after the root (`job-1.0`, not `job-1:0`), so a worker of another SDK does not find a Rust
//! worker's checkpoints (nor the reverse): on a takeover across SDKs the call starts over.
//!
//! Output, one line per event (the C++ example's, plus SDK events):
//!     [worker-1] ready  pid=... group=workers
//!     [worker-1] connected
//!     [worker-1] start  id=job-4 cost=5s at 12:00:01.250 at_ms=...
//!     [worker-1] suspended id=job-4
//!     [worker-2] resume id=job-4 started by worker-1 at 12:00:01.250, sleep already over
//!     [worker-2] done   id=job-4 took 5.6s (expected end 12:00:06.250, actual 12:00:06.850)

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use progress::{
    clock_time, default_url, now_ms, random_hex, say, seconds_text, Arguments, SdkEvents,
};
use resonate_sdk::prelude::*;
use serde::Serialize;
use tokio::signal::unix::{signal, SignalKind};

/// What the functions need to know about this process (an SDK dependency: registered functions
/// are plain `fn`s and capture nothing).
struct Worker {
    name: String,
    /// Executions whose claim ran in this process and whose pass has not yet looked.
    first_passes: Mutex<HashSet<String>>,
}

impl Worker {
    /// Whether execution `id`'s claim ran in the current pass (true once).
    fn take_first_pass(&self, id: &str) -> bool {
        self.first_passes.lock().expect("first_passes").remove(id)
    }
}

/// The call's result, in the field order of the other SDKs' workers.
#[derive(Serialize)]
struct Outcome {
    id: String,
    cost: i64,
    started_by: String,
    finished_by: String,
    started_at: i64,
    finished_at: i64,
}

/// Recorded step: who claims the call. Runs once per execution; every replay gets its first
/// result back.
#[resonate_sdk::function]
async fn claim(info: &Info) -> Result<String> {
    let worker = info.get_dependency::<Worker>();
    // Only runs when this is the first execution: tell the pass.
    worker
        .first_passes
        .lock()
        .expect("first_passes")
        .insert(info.parent_id().to_string());
    Ok(worker.name.clone())
}

/// Recorded step: when the call started.
#[resonate_sdk::function]
async fn started() -> Result<i64> {
    Ok(now_ms())
}

#[resonate_sdk::function]
async fn compute_something(ctx: &Context, id: String, cost: i64) -> Result<Outcome> {
    let worker = ctx.get_dependency::<Worker>();
    let name = worker.name.as_str();

    let started_by: String = ctx.run(claim, ()).await?; // id.0
    let started_at: i64 = ctx.run(started, ()).await?; // id.1
    let expected_end = started_at + cost * 1000;
    if worker.take_first_pass(ctx.id()) {
        say(&format!(
            "[{name}] start  id={id} cost={cost}s at {} at_ms={started_at}",
            clock_time(started_at)
        ));
    } else {
        let left = expected_end - now_ms();
        let rest = if left > 0 {
            format!("{} of sleep left", seconds_text(left))
        } else {
            "sleep already over".to_string()
        };
        let by = if started_by == name {
            "this worker"
        } else {
            started_by.as_str()
        };
        say(&format!(
            "[{name}] resume id={id} started by {by} at {}, {rest}",
            clock_time(started_at)
        ));
    }

    // Durable: the deadline is fixed by the first execution, so a replay waits only for what is
    // left of it. While it is pending, awaiting it ends the pass with Error::Suspended (`?`
    // hands it to the SDK, which suspends the task on the timer).
    ctx.sleep(Duration::from_secs(cost.max(0) as u64)).await?; // id.2

    let finished_at = now_ms();
    say(&format!(
        "[{name}] done   id={id} took {} (expected end {}, actual {})",
        seconds_text(finished_at - started_at),
        clock_time(expected_end),
        clock_time(finished_at)
    ));
    Ok(Outcome {
        id,
        cost,
        started_by,
        finished_by: name.to_string(),
        started_at,
        finished_at,
    })
}

struct Options {
    url: String,
    name: String,
    ttl_ms: u64,
    verbose: bool,
}

const USAGE: &str = "usage: worker [--url URL] [--name NAME] [--ttl-ms MS] [--verbose]";

fn parse_options() -> std::result::Result<Options, String> {
    let mut options = Options {
        url: default_url(),
        name: "worker".to_string(),
        ttl_ms: 5000,
        verbose: false,
    };
    let mut arguments = Arguments::from_env();
    while let Some((flag, inline)) = arguments.next_option() {
        match flag.as_str() {
            "--url" => options.url = arguments.value(inline, "--url")?,
            "--name" => options.name = arguments.value(inline, "--name")?,
            "--ttl-ms" => {
                let text = arguments.value(inline, "--ttl-ms")?;
                options.ttl_ms = text
                    .parse()
                    .map_err(|_| format!("--ttl-ms: not a number: {text}"))?;
            }
            "--verbose" if inline.is_none() => options.verbose = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument: {flag}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("worker: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let name = options.name.clone();
    SdkEvents::install(&format!("[{name}] "), options.verbose);

    // The SDK would make a pid itself, but does not tell it (Resonate::pid is test-only): make
    // one, as the Python worker does (32 hex digits).
    let pid = random_hex(32);
    let resonate = Resonate::new(ResonateConfig {
        url: Some(options.url.clone()),
        group: Some("workers".to_string()),
        pid: Some(pid.clone()),
        ttl: Some(options.ttl_ms), // a dead worker's lease lapses within the ttl
        ..Default::default()
    })
    .with_dependency(Worker {
        name: name.clone(),
        first_passes: Mutex::new(HashSet::new()),
    });
    resonate
        .register(compute_something)
        .expect("register compute_something");

    // Ctrl-C / kill: stop taking work and leave (a SIGKILL needs no cooperation at all).
    let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler");
    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
    say(&format!("[{name}] ready  pid={pid} group=workers"));
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    if let Err(error) = resonate.stop().await {
        eprintln!("worker: stop: {error}");
    }
    ExitCode::SUCCESS
}
