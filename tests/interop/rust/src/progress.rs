//! Progress lines for the C++ test driver, shared by the worker and the client (the Rust twin of
//! tests/interop/python/progress.py).
//!
//! stdout carries only the lines a test waits on, in the shape of the C++ example
//! examples/load_balancing (`[name] event key=value ...` for a worker, `result id=...` for a
//! client); the SDK's own log (its `tracing` events) goes to stderr: warnings and errors, all of
//! it with `--verbose`. [`SdkEvents`] also turns a few of those events into progress lines: the
//! SSE stream opened, a task suspended, a task released after a failure.

use std::collections::hash_map::RandomState;
use std::fmt::{self, Write as _};
use std::hash::{BuildHasher, Hasher};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::span;
use tracing::{Event, Level, Metadata, Subscriber};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// Epoch milliseconds as local wall-clock time, hh:mm:ss.mmm.
pub fn clock_time(epoch_ms: i64) -> String {
    let seconds = epoch_ms.div_euclid(1000) as libc::time_t;
    let millis = epoch_ms.rem_euclid(1000);
    // SAFETY: localtime_r only writes the `tm` it is given.
    let mut local: libc::tm = unsafe { std::mem::zeroed() };
    let converted = unsafe { !libc::localtime_r(&seconds, &mut local).is_null() };
    if !converted {
        return format!("{epoch_ms}ms");
    }
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        local.tm_hour, local.tm_min, local.tm_sec, millis
    )
}

/// Milliseconds as seconds with one decimal, as Python's `f"{ms / 1000:.1f}s"`.
pub fn seconds_text(ms: i64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

/// One write per line, flushed: several executions print concurrently.
pub fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(format!("{line}\n").as_bytes());
    let _ = stdout.flush();
}

/// `digits` random lowercase hex digits (std's per-process random hash keys, the clock and a
/// counter; enough for ids and pids, not for secrets).
pub fn random_hex(digits: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut text = String::with_capacity(digits + 16);
    while text.len() < digits {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        hasher.write_u32(std::process::id());
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        let _ = write!(text, "{:016x}", hasher.finish());
    }
    text.truncate(digits);
    text
}

/// The message and the other fields of a `tracing` event.
#[derive(Default)]
struct Fields {
    message: String,
    task_id: Option<String>,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_string(),
            "task_id" => {
                self.task_id = Some(value.to_string());
                let _ = write!(self.rest, " task_id={value}");
            }
            name => {
                let _ = write!(self.rest, " {name}={value}");
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            // `task_id = %id` arrives here as Display wrapped in Debug: no quotes.
            "task_id" => {
                let text = format!("{value:?}");
                let _ = write!(self.rest, " task_id={text}");
                self.task_id = Some(text);
            }
            name => {
                let _ = write!(self.rest, " {name}={value:?}");
            }
        }
    }
}

/// A `tracing` subscriber for the SDK's events (targets `resonate_sdk::*`, `resonate::*`):
/// the log to stderr, and the SDK's own events as progress lines on stdout.
pub struct SdkEvents {
    prefix: String,
    verbose: bool,
}

impl SdkEvents {
    /// Installs it for the whole process. `prefix` starts each progress line ("[worker-1] ").
    pub fn install(prefix: &str, verbose: bool) {
        let subscriber = SdkEvents {
            prefix: prefix.to_string(),
            verbose,
        };
        tracing::subscriber::set_global_default(subscriber)
            .expect("a tracing subscriber was already installed");
    }

    fn progress(&self, message: &str, fields: &Fields) {
        let prefix = &self.prefix;
        let id = fields.task_id.as_deref().unwrap_or("?");
        match message {
            "SSE connection established" => say(&format!("{prefix}connected")),
            "task suspended" => say(&format!("{prefix}suspended id={id}")),
            "execution failed, releasing task" => say(&format!("{prefix}released id={id}")),
            "core.on_message failed" | "core execute_until_blocked failed" => {
                say(&format!("{prefix}failure {message}:{}", fields.rest))
            }
            _ => {}
        }
    }
}

impl Subscriber for SdkEvents {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("resonate")
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1) // the SDK makes no spans; none is tracked
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.progress(&fields.message, &fields);
        if self.verbose || *metadata.level() <= Level::WARN {
            let now = now_ms();
            let line = format!(
                "{} {:5} {}: {}{}\n",
                clock_time(now),
                metadata.level(),
                metadata.target(),
                fields.message,
                fields.rest
            );
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// Command-line options in argparse's forms: `--name value` and `--name=value`, flags alone.
pub struct Arguments {
    items: Vec<String>,
    position: usize,
}

impl Arguments {
    pub fn from_env() -> Self {
        Arguments {
            items: std::env::args().skip(1).collect(),
            position: 0,
        }
    }

    /// The next option: its name and, for `--name=value`, the value.
    pub fn next_option(&mut self) -> Option<(String, Option<String>)> {
        let item = self.items.get(self.position)?.clone();
        self.position += 1;
        match item.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                Some((name.to_string(), Some(value.to_string())))
            }
            _ => Some((item, None)),
        }
    }

    /// The value of the option just read: given inline or as the next argument.
    pub fn value(&mut self, inline: Option<String>, name: &str) -> Result<String, String> {
        if let Some(value) = inline {
            return Ok(value);
        }
        let value = self
            .items
            .get(self.position)
            .cloned()
            .ok_or_else(|| format!("{name} needs a value"))?;
        self.position += 1;
        Ok(value)
    }
}

/// The server's URL: RESONATE_URL, else http://127.0.0.1:8001 (as the Python programs).
pub fn default_url() -> String {
    std::env::var("RESONATE_URL").unwrap_or_else(|_| "http://127.0.0.1:8001".to_string())
}
