/**
 * Tenant validation beyond what the CRD's OpenAPI schema and CEL rules can check: the
 * `deniedRegex` patterns must compile (RE2 and JavaScript), so that an invalid pattern is
 * rejected when the Tenant is written instead of surfacing later inside a namespace webhook
 * (§13.15). `preventDeletion` is a ValidatingAdmissionPolicy (manifests.ts), not this hook.
 */
import type { Tenant } from '../../crds/index.js';
import { compilePattern } from '../../crds/regex.js';
import { allow, deny, type AdmissionRequest, type Verdict } from './types.js';

/** Validating hook, tenants CREATE/UPDATE (failurePolicy Fail, only when a regex is set). */
export function validateTenant(req: AdmissionRequest): Verdict {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return allow();
  const t = req.object as Tenant | null | undefined;
  const opts = t?.spec?.namespaceOptions;
  const problems: string[] = [];
  for (const field of ['forbiddenLabels', 'forbiddenAnnotations'] as const) {
    const source = opts?.[field]?.deniedRegex;
    if (source === undefined || source === '') continue;
    const re = compilePattern(source);
    if (!re.ok) {
      problems.push(
        `spec.namespaceOptions.${field}.deniedRegex: invalid regular expression ${JSON.stringify(source)}: ${re.error}`,
      );
    }
  }
  return problems.length === 0 ? allow() : deny(problems.join('; '), 400);
}
