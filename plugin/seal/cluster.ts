// The cluster side of kubectl seal, loaded only by commands that need the controller: find the
// controller Service, then talk to it through the API server's service proxy, exactly as kubeseal
// does (so RBAC on services/proxy written for Bitnami keeps working).
import { CliError, messageOf } from '../shared/errors.js';
import {
  connectKube,
  describeResponse,
  type KubeClient,
  type KubeResponse,
} from '../shared/kube-http.js';
import { isRecord, type KubeObject } from '../shared/objects.js';
import type { ControllerClient, ControllerTarget } from './controller.js';

/** Connects to the controller named by `target`; the Service is looked up on first use. */
export async function clusterController(target: ControllerTarget): Promise<ControllerClient> {
  const kube = await connectKube(target.kube, target.env);
  const service = `${target.namespace}/${target.name}`;
  const description = `service ${service} via ${kube.description}`;
  let proxyBase: Promise<string> | undefined;
  const base = (): Promise<string> => (proxyBase ??= findProxyBase(kube, target, description));

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    body?: string,
  ): Promise<KubeResponse> => {
    const url = (await base()) + path;
    try {
      return await kube.request({
        method,
        path: url,
        body,
        contentType: body === undefined ? undefined : 'application/json',
        accept: path === '/v1/cert.pem' ? 'application/x-pem-file, */*' : 'application/json',
      });
    } catch (err) {
      throw new CliError(
        `cannot reach the sealed-secrets controller (${description}): ${messageOf(err)}`,
        {
          cause: err,
        },
      );
    }
  };

  return {
    description,
    fetchCertificate: async () => {
      const res = await call('GET', '/v1/cert.pem');
      if (res.status !== 200) {
        throw new CliError(`cannot fetch certificate: ${describeResponse(res)} (${description})`);
      }
      return res.body.toString('utf8');
    },
    verify: async (sealedSecret) => {
      const res = await call('POST', '/v1/verify', JSON.stringify(sealedSecret));
      if (res.status === 409) return false;
      if (res.status !== 200)
        throw new CliError(`cannot validate sealed secret: ${describeResponse(res)}`);
      return true;
    },
    rotate: async (sealedSecret) => {
      const res = await call('POST', '/v1/rotate', JSON.stringify(sealedSecret));
      if (res.status === 409) return undefined;
      if (res.status !== 200)
        throw new CliError(`cannot re-encrypt secret: ${describeResponse(res)}`);
      return parseObject(res);
    },
  };
}

// kubeseal's lookup: GET the Service, take its first port's name, and proxy through
// `http:<name>:<portName>`. tenantry's controller Service names its first port "http".
async function findProxyBase(
  kube: KubeClient,
  target: ControllerTarget,
  description: string,
): Promise<string> {
  const ns = encodeURIComponent(target.namespace);
  const name = encodeURIComponent(target.name);
  let res: KubeResponse;
  try {
    res = await kube.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/services/${name}` });
  } catch (err) {
    throw controllerNotFound(description, messageOf(err), err);
  }
  if (res.status !== 200) throw controllerNotFound(description, describeResponse(res));
  const service = JSON.parse(res.body.toString('utf8')) as {
    spec?: { ports?: { name?: string }[] };
  };
  const portName = service.spec?.ports?.[0]?.name ?? '';
  return `/api/v1/namespaces/${ns}/services/http:${name}:${encodeURIComponent(portName)}/proxy`;
}

function controllerNotFound(description: string, detail: string, cause?: unknown): CliError {
  return new CliError(
    `cannot get sealed secret service (${description}): ${detail}. Set --controller-name and ` +
      '--controller-namespace (or SEALED_SECRETS_CONTROLLER_NAME/_NAMESPACE), or seal offline with --cert FILE',
    { cause },
  );
}

function parseObject(res: KubeResponse): KubeObject {
  try {
    const value: unknown = JSON.parse(res.body.toString('utf8'));
    if (isRecord(value)) return value;
  } catch {
    // fall through
  }
  throw new CliError(
    'cannot re-encrypt secret: the controller answered with something that is not a JSON object',
  );
}
