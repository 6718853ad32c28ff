// Progress lines for the CTest driver, and an SDK logger that turns the SDK's own events into them.
//
// stdout carries only lines of the form `<event> key=value ...` that a test waits on; the SDK's
// structured JSON log goes to stderr, in full when verbose, so a failing run shows what the SDK
// saw without the test having to parse it.

// Writes one progress line; values are JSON-encoded unless they are plain words.
export function report(event, fields = {}) {
  const parts = Object.entries(fields).map(([key, value]) => {
    const plain = typeof value === "string" && /^[\w.:@/-]+$/.test(value);
    return `${key}=${plain ? value : JSON.stringify(value)}`;
  });
  process.stdout.write(`${[event, ...parts].join(" ")}\n`);
}

const levels = { debug: 0, info: 1, warn: 2, error: 3 };

// Implements the SDK's Logger interface (debug, info, warn, error with (fields, msg)).
export class ProgressLogger {
  constructor({ verbose = false } = {}) {
    this.threshold = verbose ? levels.debug : levels.warn;
  }

  debug(fields, msg) {
    this.observe(fields, msg);
    this.write("debug", fields, msg);
  }

  info(fields, msg) {
    this.observe(fields, msg);
    this.write("info", fields, msg);
  }

  warn(fields, msg) {
    this.observe(fields, msg);
    this.write("warn", fields, msg);
  }

  error(fields, msg) {
    this.observe(fields, msg);
    this.write("error", fields, msg);
  }

  // The SDK events a test can wait on: the SSE stream is open, a protocol response arrived,
  // a message was delivered, a request failed at the platform level.
  observe(fields, msg) {
    if (msg === "adapter connected" || msg === "adapter reconnected") {
      report("connected", { address: fields.address });
    } else if (msg === "protocol response") {
      report("response", { kind: fields.kind, status: fields.status });
    } else if (msg === "message received") {
      report("received", { kind: fields.msg_kind, id: fields.task_id ?? fields.promise_id });
    } else if (msg === "platform failure") {
      report("failure", { kind: fields.kind, error: fields.error });
    }
  }

  write(level, fields, msg) {
    if (levels[level] < this.threshold) return;
    process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, msg, ...fields })}\n`);
  }
}
