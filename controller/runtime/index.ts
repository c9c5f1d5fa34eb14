/**
 * The reconcile runtime both controllers are built on (docs/design/0001-reconcile-runtime.md).
 * Importing it has no side effects: nothing connects, registers metrics or starts timers until a
 * caller constructs and starts something.
 */
export * from './apply.js';
export * from './backoff.js';
export * from './clock.js';
export * from './conditions.js';
export * from './controller.js';
export * from './informer.js';
export * from './kube.js';
export * from './leader.js';
export * from './listwatch.js';
export * from './logging.js';
export * from './metrics.js';
export * from './objects.js';
export * from './ratelimiter.js';
export * from './semantic.js';
export * from './store.js';
export * from './workqueue.js';
export * from './union.js';
