// A second Resonate server for the interop tests: the in-memory `Server` model that ships in
// @resonatehq/sdk 0.11.5 (dist/src/network/local.js), put behind a small HTTP/SSE front, so
// that SDKs are proven against an implementation of the protocol that is not ours.
//
//   node memory_server.mjs [port] [--port=<n>] [--keepalive=<ms>] [--debug] [--verbose]
//
// The port comes from the argument, --port, or RESONATE_PORT (0, the default, picks a free
// one). Endpoints (docs: /work/shared/docs/resonate-protocol.md §1):
//   POST /                 one request envelope in, the model's response envelope out
//   GET  /poll/<group>/<pid>   SSE stream of the messages routed to that worker
//   GET  /groups/<group>   {group, workers, parked}, as resonate-server answers it
//   GET  /health           200
// Lines on stdout: `listening <port> …` once ready (it also carries resonate-server's
// `msg="listening" … port=<port>` so tests/support/server_child's await_listening reads it),
// then `poll connected group=<g> id=<pid>` / `poll disconnected …` per stream.
// Everything lives in memory: a restart loses all state.

import http from "node:http";
import { parseArgs } from "node:util";
import { LocalNetwork } from "@resonatehq/sdk";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string" },
    keepalive: { type: "string", default: "15000" },
    debug: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const port = Number(positionals[0] ?? values.port ?? process.env.RESONATE_PORT ?? 0);
const keepAliveMs = Number(values.keepalive);

const PROTOCOL_VERSION = "2026-04-01";
const MAX_BODY_BYTES = 2 * 1024 * 1024; // the reference server's framework default
const PARK_MS = 5 * 60 * 1000; // how long a message waits for a member of its group
const PARK_CAPACITY = 1000; // parked messages per group
// The kinds of protocol §3. The model's apply() has no default case: an unknown kind makes it
// throw, so the front answers those itself, as the reference server does.
const KINDS = new Set([
  "promise.get", "promise.create", "promise.settle", "promise.register_callback",
  "promise.register_listener", "promise.search", "task.get", "task.create", "task.acquire",
  "task.release", "task.fulfill", "task.suspend", "task.halt", "task.continue", "task.fence",
  "task.heartbeat", "task.search", "schedule.get", "schedule.create", "schedule.delete",
  "schedule.search", "debug.start", "debug.stop", "debug.reset", "debug.snap", "debug.tick",
]);

// The package exports LocalNetwork (its in-process network) but not the Server class inside
// it; a LocalNetwork that is never init()ed has no tick loop of its own, only its `server`.
const server = new LocalNetwork().server;

function log(fields, msg) {
  if (values.verbose) process.stderr.write(`${JSON.stringify({ at: Date.now(), msg, ...fields })}\n`);
}

// ---- the model: requests, messages, timers ------------------------------------------------

// The model reads no clock: every call gets `now`. In debug mode a request may name its own
// time (head["resonate:debug_time"]), and debug.start/stop pause/resume the timer loop.
let paused = false;

function apply(now, request) {
  const result = server.apply(now, request);
  dispatch(result.changes);
  armTicker();
  return result.response;
}

// Messages come out of apply() as `message.send` changes. The model also keeps them in its
// `outgoing` list (an outbox it never drains, shown by debug.snap); they are delivered here,
// so the list is emptied, as a delivered outbox is.
function dispatch(changes) {
  for (const change of changes) {
    if (change.kind === "message.send") deliver(change.address, change.message);
  }
  server.outgoing.length = 0;
}

// The model fires promise timeouts, leases, retries and schedules only when told to, with a
// `debug.tick` (LocalNetwork does it once a second). Here: at the earliest deadline it holds,
// re-armed after every request; at least every second, at most every 5 ms (so a stale entry,
// should one remain due, cannot spin the loop).
let ticker;
function armTicker() {
  clearTimeout(ticker);
  if (paused) return;
  let next = Date.now() + 1000;
  for (const { timeout } of [...server.pTimeouts, ...server.tTimeouts, ...server.sTimeouts]) {
    next = Math.min(next, timeout);
  }
  ticker = setTimeout(tick, Math.max(5, next - Date.now()));
}

function tick() {
  const now = Date.now();
  try {
    apply(now, { kind: "debug.tick", head: { corrId: "tick", version: PROTOCOL_VERSION }, data: { time: now } });
  } catch (error) {
    // An invariant the model found broken: say so, and keep the loop (and the server) going.
    process.stderr.write(`tick failed: ${error instanceof Error ? error.stack : error}\n`);
    armTicker();
  }
}

// ---- SSE streams and routing ----------------------------------------------------------------

const groups = new Map(); // group → open streams, in the order they connected
const parked = new Map(); // group → Map(key → {address, message, until})
let serverUrl = "";

// poll://any@G, poll://any@G/P, poll://uni@G/P (protocol §1.5); anything else is not ours.
function parseAddress(address) {
  const match = /^poll:\/\/(any|uni)@([^/]+)(?:\/([^/]+))?$/.exec(address);
  if (!match || (match[1] === "uni" && !match[3])) return null;
  return { cast: match[1], group: match[2], pid: match[3] };
}

// Unicast: the first stream of that pid. Anycast: that pid if connected, else a random member.
function pick({ cast, group, pid }) {
  const members = groups.get(group) ?? [];
  const named = members.find((stream) => stream.pid === pid);
  if (named || cast === "uni" || members.length === 0) return named;
  return members[Math.floor(Math.random() * members.length)];
}

function deliver(address, message) {
  const target = parseAddress(address);
  if (!target) {
    log({ address, kind: message.kind }, "message dropped: not a poll address");
    return;
  }
  // The model sends `head: {}`; resonate-server names itself in an execute, so do the same.
  if (message.kind === "execute") message = { ...message, head: { ...message.head, serverUrl } };
  const stream = pick(target);
  if (stream) {
    send(stream, message);
    log({ address, kind: message.kind, pid: stream.pid }, "message sent");
  } else {
    park(target, address, message);
  }
}

// A message nobody can take waits (a while) for the first matching stream of its group, as in
// lib/server/sse_registry: a worker that connects gets waiting work at once, not at the model's
// next 30 s retry. One entry per task (execute) or per promise and address (unblock), the
// newest winning, like the outbox.
function park(target, address, message) {
  const key = message.kind === "execute" ? `execute ${message.data.task.id}` : `unblock ${message.data.promise.id} ${address}`;
  const waiting = parked.get(target.group) ?? new Map();
  if (!waiting.has(key) && waiting.size >= PARK_CAPACITY) {
    log({ address, kind: message.kind }, "message dropped: park full");
    return;
  }
  waiting.delete(key); // re-inserted last: the map stays in parking order
  waiting.set(key, { target, message, until: Date.now() + PARK_MS });
  parked.set(target.group, waiting);
  log({ address, kind: message.kind }, "message parked: no stream");
}

function handParked(stream) {
  const waiting = parked.get(stream.group);
  if (!waiting) return;
  const now = Date.now();
  for (const [key, { target, message, until }] of waiting) {
    if (until <= now) {
      waiting.delete(key);
    } else if (target.cast === "any" || target.pid === stream.pid) {
      waiting.delete(key);
      send(stream, message);
    }
  }
  if (waiting.size === 0) parked.delete(stream.group);
}

// One unnamed event per message: the TS SDK listens only to the default `message` event.
function send(stream, message) {
  stream.res.write(`data: ${JSON.stringify(message)}\n\n`);
}

function openStream(req, res, group, pid) {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  res.flushHeaders(); // the SDK's EventSource reports "open" on the headers
  const stream = { group, pid, res };
  groups.set(group, [...(groups.get(group) ?? []), stream]);
  process.stdout.write(`poll connected group=${group} id=${pid}\n`);
  handParked(stream);
  // Node's fetch aborts a body idle for 300 s: a comment line keeps the stream alive.
  const keepAlive = setInterval(() => res.write(":\n\n"), keepAliveMs);
  res.on("close", () => {
    clearInterval(keepAlive);
    const rest = (groups.get(group) ?? []).filter((other) => other !== stream);
    if (rest.length > 0) groups.set(group, rest);
    else groups.delete(group);
    process.stdout.write(`poll disconnected group=${group} id=${pid}\n`);
  });
}

// ---- the RPC endpoint -----------------------------------------------------------------------

function envelope(kind, corrId, status, data, version = PROTOCOL_VERSION) {
  return { kind, head: { corrId, status, version }, data };
}

// The checks the model leaves to its caller (LocalNetwork receives typed requests from the SDK
// itself), in the reference server's order: shape, version, known kind, debug mode.
function handleRpc(body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    return envelope("unknown", "0", 400, "Invalid request: the body is not JSON");
  }
  const kind = typeof request?.kind === "string" && request.kind !== "" ? request.kind : "unknown";
  const head = request?.head;
  const corrId = typeof head?.corrId === "string" ? head.corrId : "0";
  const bad = (message) => envelope(kind, corrId, 400, message);
  if (kind === "unknown") return bad("Invalid request: kind must be a non-empty string");
  if (typeof head !== "object" || head === null || typeof head.corrId !== "string") {
    return bad("Invalid request: head.corrId must be a string");
  }
  if (typeof request.data !== "object" || request.data === null || Array.isArray(request.data)) {
    return bad("Invalid request: data must be an object");
  }
  if (head.version !== PROTOCOL_VERSION) return bad(`Unsupported protocol version '${head.version}'`);
  if (!KINDS.has(kind)) return bad(`Unknown operation: ${kind}`);
  if (kind.startsWith("debug.") && !values.debug) return envelope(kind, corrId, 403, "Debug operations are disabled");

  let now = Date.now();
  if (values.debug && Number.isInteger(head["resonate:debug_time"])) now = head["resonate:debug_time"];
  if (kind === "debug.start") paused = true;
  if (kind === "debug.stop") paused = false;

  try {
    const response = apply(now, request);
    return envelope(response.kind, corrId, response.head.status, response.data, head.version);
  } catch (error) {
    // The model validates little: a missing field surfaces as a TypeError inside apply().
    // Its own consistency checks throw "Invariant violation: …", a server fault.
    const message = error instanceof Error ? error.message : String(error);
    log({ kind, error: message }, "request failed in the model");
    return message.startsWith("Invariant violation")
      ? envelope(kind, corrId, 500, `Internal error: ${message}`)
      : bad(`Invalid request: ${message}`);
  }
}

function reply(res, status, type, body) {
  res.writeHead(status, type ? { "Content-Type": type } : {});
  res.end(body);
}

const httpServer = http.createServer((req, res) => {
  const path = new URL(req.url, "http://localhost").pathname;
  let segments;
  try {
    segments = path.split("/").slice(1).map((part) => decodeURIComponent(part));
  } catch {
    return reply(res, 404); // a malformed %-escape names nothing
  }

  if (path === "/" && req.method === "POST") {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return reply(res, 413, "text/plain", "Payload Too Large");
      const answer = handleRpc(Buffer.concat(chunks).toString("utf8"));
      log({ kind: answer.kind, status: answer.head.status }, "rpc");
      // HTTP status = envelope status, and JSON even for a 404 (the TS SDK takes a non-JSON 404
      // for a legacy server).
      reply(res, answer.head.status, "application/json", JSON.stringify(answer));
    });
    return;
  }
  if (req.method === "GET" && segments[0] === "poll" && segments.length === 3 && segments[1] && segments[2]) {
    return openStream(req, res, segments[1], segments[2]);
  }
  if (req.method === "GET" && segments[0] === "groups" && segments.length === 2 && segments[1]) {
    const group = segments[1];
    const status = { group, workers: groups.get(group)?.length ?? 0, parked: parked.get(group)?.size ?? 0 };
    return reply(res, 200, "application/json", JSON.stringify(status));
  }
  if ((req.method === "GET" || req.method === "HEAD") && (path === "/health" || path === "/ready")) {
    return reply(res, 200);
  }
  reply(res, 404);
});

httpServer.listen(port, "127.0.0.1", () => {
  const bound = httpServer.address().port;
  serverUrl = `http://127.0.0.1:${bound}`;
  armTicker();
  process.stdout.write(`listening ${bound} msg="listening" addr=127.0.0.1:${bound} port=${bound}\n`);
});

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
