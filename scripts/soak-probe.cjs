// Preloaded into the sample app by scripts/soak.mjs (`node --expose-gc --require ./scripts/soak-probe.cjs
// dist/sample/main.js`), so that the sample itself stays exactly as the contract has it.
// Over the IPC channel the soak opens, it answers { type: 'memory', id, gc } with
// process.memoryUsage(), after full garbage collections when `gc` is set; it exits when the
// channel closes, so a soak that dies never leaves a server behind.
'use strict';

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message === null || typeof message !== 'object' || message.type !== 'memory') return;
    if (message.gc === true && typeof global.gc === 'function') {
      // Several passes: objects freed by one pass's finalizers go in the next.
      for (let i = 0; i < 3; i++) global.gc();
    }
    process.send({ type: 'memory', id: message.id, usage: process.memoryUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}
