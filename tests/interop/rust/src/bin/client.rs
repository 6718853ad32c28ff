//! Load balancing, a client built on the official Rust SDK (crate resonate-sdk 0.4): asks any
//! worker of the group `workers` to run compute_something(id, cost), like
//! examples/load_balancing/client.cpp and tests/interop/python/client.py.
//!
//!     client [--url http://127.0.0.1:8001] [--id job-1] [--cost 5] [--wait] [--verbose]
//!
//! The call goes to the target `poll://any@workers` with the arguments `[id, cost]`; calling
//! again with an id that exists attaches to the first execution. Prints
//! `submitted id=... cost=Ns` once the promise is stored, then with --wait
//! `result id=... <JSON>` or `error id=... <message>`; exit status 0 unless the call failed.

use std::process::ExitCode;

use progress::{default_url, random_hex, say, Arguments, SdkEvents};
use resonate_sdk::prelude::*;

struct Options {
    url: String,
    id: String,
    cost: i64,
    wait: bool,
    verbose: bool,
}

const USAGE: &str = "usage: client [--url URL] [--id ID] [--cost SECONDS] [--wait] [--verbose]";

fn parse_options() -> std::result::Result<Options, String> {
    let mut options = Options {
        url: default_url(),
        id: format!("job-{}", random_hex(6)),
        cost: 5,
        wait: false,
        verbose: false,
    };
    let mut arguments = Arguments::from_env();
    while let Some((flag, inline)) = arguments.next_option() {
        match flag.as_str() {
            "--url" => options.url = arguments.value(inline, "--url")?,
            "--id" => options.id = arguments.value(inline, "--id")?,
            "--cost" => {
                let text = arguments.value(inline, "--cost")?;
                options.cost = text
                    .parse()
                    .map_err(|_| format!("--cost: not a number: {text}"))?;
            }
            "--wait" if inline.is_none() => options.wait = true,
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

async fn call(resonate: &Resonate, options: &Options) -> Result<()> {
    let id = options.id.as_str();
    // promise.create of `id` with resonate:target=poll://any@workers (a target with "://" is
    // taken as it is), then a listener on this process's unicast address; returns once the
    // server has stored the promise.
    let handle = resonate
        .rpc::<_, serde_json::Value>(id, "compute_something", (id, options.cost))
        .target("poll://any@workers")
        .spawn()
        .await?;
    say(&format!("submitted id={id} cost={}s", options.cost));
    if options.wait {
        let value = handle.result().await?;
        say(&format!(
            "result id={id} {}",
            serde_json::to_string(&value)?
        ));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("client: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    SdkEvents::install("", options.verbose);

    // A group of its own: the client serves no function.
    let resonate = Resonate::new(ResonateConfig {
        url: Some(options.url.clone()),
        group: Some("clients".to_string()),
        ..Default::default()
    });
    let status = match call(&resonate, &options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say(&format!("error id={} {error}", options.id));
            eprintln!("client: {error:?}");
            ExitCode::FAILURE
        }
    };
    if let Err(error) = resonate.stop().await {
        eprintln!("client: stop: {error}");
    }
    status
}
