/** Version of kubectl-tenant (kept in step with package.json and the krew manifest). */
export const VERSION = '0.1.0';
