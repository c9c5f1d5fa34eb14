import pkg from '../../package.json' with { type: 'json' };

/** Version of kubectl-tenant, from package.json (bundled at build time; the krew manifest follows it). */
export const VERSION: string = pkg.version;
