// Runtime requirements of @resonatehq/sdk 0.11.5 on the Node.js versions we meet.
//
// The SDK declares Node >= 22. It runs unchanged on Node 20 given Promise.withResolvers (Node 22),
// which every handle's result() calls; it is supplied here when missing. Node 18 (Debian 12's own
// package) lacks globalThis.crypto, which the SDK uses for ids, and its `eventsource` dependency
// requires Node 20: fail at once with the reason rather than deep inside the SDK.
const major = Number(process.versions.node.split(".")[0]);
if (major < 20) {
  process.stderr.write(`@resonatehq/sdk 0.11.5 needs Node.js 20 or newer; this is ${process.version}\n`);
  process.exit(2);
}

if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
