/**
 * tenantry's API: constants, TypeBox schemas and their TypeScript types, the CRD objects, and
 * validators. Import from here (`../crds/index.js`) rather than from the individual modules.
 *
 * @module
 */
export * from './constants.js';
export * from './schema-helpers.js';
export * from './tenant.v1alpha1.schema.js';
export * from './sealedsecret.v1alpha1.schema.js';
export * from './definitions.js';
export * from './validate.js';
export type { JSONSchemaProps, SchemaType } from './structural.js';
