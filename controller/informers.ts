/**
 * Informers shared by every module: one LIST+WATCH per (path, selectors), however many modules
 * read it. Started on every replica (webhooks answer from these caches), stopped on shutdown.
 */
import {
  createInformer,
  type Informer,
  type KubeClient,
  type KubeObject,
  type Logger,
} from './runtime/index.js';

/** What identifies a shared informer. */
export interface InformerSpec<T extends KubeObject> {
  /** Collection path, e.g. `/api/v1/namespaces`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Reduces what is cached; the first registration's transform wins for a given spec. */
  readonly transform?: (obj: T) => T;
  /** Keep the last-applied annotation (objects whose status is written back whole). */
  readonly keepLastApplied?: boolean;
}

/** The shared informer registry. */
export class SharedInformers {
  private readonly byKey = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
  ) {}

  /** The informer for `spec`, created on first use (and started at once if the manager already started). */
  get<T extends KubeObject>(spec: InformerSpec<T>): Informer<T> {
    const key =
      `${spec.path}?l=${spec.labelSelector ?? ''}&f=${spec.fieldSelector ?? ''}` +
      (spec.keepLastApplied === true ? '&last-applied' : '');
    let informer = this.byKey.get(key) as Informer<T> | undefined;
    if (informer === undefined) {
      informer = createInformer<T>(this.client, {
        path: spec.path,
        ...(spec.labelSelector !== undefined ? { labelSelector: spec.labelSelector } : {}),
        ...(spec.fieldSelector !== undefined ? { fieldSelector: spec.fieldSelector } : {}),
        ...(spec.transform !== undefined ? { transform: spec.transform } : {}),
        ...(spec.keepLastApplied === true ? { keepLastApplied: true } : {}),
        logger: this.log,
      });
      this.byKey.set(key, informer as unknown as Informer<KubeObject>);
      if (this.started) informer.start();
    }
    return informer;
  }

  /** Starts every informer registered so far (and any registered later). */
  start(): void {
    this.started = true;
    for (const informer of this.byKey.values()) informer.start();
  }

  /** Resolves once every informer has its initial LIST. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.byKey.values()].map((i) => i.waitForSync(signal)));
  }

  /** True once every informer has synced. */
  hasSynced(): boolean {
    return [...this.byKey.values()].every((i) => i.hasSynced());
  }

  /** Stops every informer; no timers or sockets remain. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.byKey.values()].map((i) => i.stop()));
  }
}
