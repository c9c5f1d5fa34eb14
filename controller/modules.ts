/**
 * The modules of the controller process, in start order. Each line is one part of tenantry;
 * `--controllers` selects a subset.
 */
import { admissionModule } from './admission/module.js';
import type { ControllerModule } from './module.js';
import { sealedSecretModule } from './sealedsecret/module.js';
import { tenantModule } from './tenant/module.js';

/** Every module this build has. */
export function allModules(): ControllerModule[] {
  return [tenantModule(), admissionModule(), sealedSecretModule()];
}
