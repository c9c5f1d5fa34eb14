import type { KubeConnectionOptions } from '../shared/kube-http.js';
import type { KubeObject } from '../shared/objects.js';

/** Which controller to reach, and through which kubeconfig. */
export interface ControllerTarget {
  /** Service name (`--controller-name`). */
  readonly name: string;
  /** Service namespace (`--controller-namespace`). */
  readonly namespace: string;
  readonly kube: KubeConnectionOptions;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The sealed-secrets controller's HTTP API (`/v1/cert.pem`, `/v1/verify`, `/v1/rotate`), reached
 * through the API server's service proxy. This interface is the seam that keeps `run()` testable:
 * tests pass an in-memory implementation; the real one lives in `cluster.ts` and is loaded only
 * when a command needs the cluster.
 */
export interface ControllerClient {
  /** What was contacted (service, kubeconfig, context, server), for error messages. */
  readonly description: string;
  /** The PEM served at `/v1/cert.pem`. */
  fetchCertificate(): Promise<string>;
  /** `/v1/verify`: true when the controller can decrypt it, false on HTTP 409. */
  verify(sealedSecret: KubeObject): Promise<boolean>;
  /** `/v1/rotate`: the re-encrypted object, or `undefined` on HTTP 409 (cannot decrypt). */
  rotate(sealedSecret: KubeObject): Promise<KubeObject | undefined>;
}

/** Opens a {@link ControllerClient}. */
export type ConnectController = (target: ControllerTarget) => Promise<ControllerClient>;

/** The real implementation: API-server service proxy via kubeconfig (loads client-node lazily). */
export const connectClusterController: ConnectController = async (target) => {
  const { clusterController } = await import('./cluster.js');
  return clusterController(target);
};
