import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type SchemaObject } from 'ajv';
import { parseAllDocuments } from 'yaml';

/**
 * Validates objects against the openAPIV3Schema of a real CustomResourceDefinition, more
 * strictly than the API server: where the server would silently prune an unknown field
 * (a typo in a rendered object), this reports it.
 */
/** Error messages; empty when the object is valid. */
export type CrdValidator = (object: unknown) => string[];

const crdDirectory = fileURLToPath(new URL('../fixtures/crds/', import.meta.url));

const ajv = new Ajv({ strict: false, allErrors: true });
const goDuration = /^-?((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/;
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
ajv.addFormat('duration', goDuration);
ajv.addFormat('date-time', rfc3339);
ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);

interface Crd {
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string };
    versions: Array<{ name: string; schema?: { openAPIV3Schema: SchemaObject } }>;
  };
}

const loaded = new Map<string, Crd[]>();

/** Every CRD document in a file under test/fixtures/crds/. */
function loadCrds(file: string): Crd[] {
  const cached = loaded.get(file);
  if (cached) return cached;
  const text = readFileSync(crdDirectory + file, 'utf8');
  const crds = parseAllDocuments(text)
    .map((document) => document.toJSON() as Crd | null)
    .filter((crd): crd is Crd => crd !== null);
  loaded.set(file, crds);
  return crds;
}

export interface CrdInfo {
  /** The file under test/fixtures/crds/ that defines the kind. */
  readonly file: string;
  readonly scope: 'Namespaced' | 'Cluster';
}

/** The CRD that serves `apiVersion` and `kind`, among all of test/fixtures/crds/; undefined if none. */
export function findCrd(apiVersion: string, kind: string): CrdInfo | undefined {
  const [group, version] = apiVersion.split('/');
  for (const file of readdirSync(crdDirectory)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()) {
    const crd = loadCrds(file).find(
      (candidate) =>
        candidate.spec.group === group &&
        candidate.spec.names.kind === kind &&
        candidate.spec.versions.some((served) => served.name === version),
    );
    if (crd) return { file, scope: crd.spec.scope };
  }
  return undefined;
}

export function crdValidator(file: string, kind: string, version: string): CrdValidator {
  const crd = loadCrds(file).find((candidate) => candidate.spec.names.kind === kind);
  if (!crd) throw new Error(`${file} has no CRD of kind ${kind}`);
  const served = crd.spec.versions.find((candidate) => candidate.name === version);
  const schema = served?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${kind} has no schema for version ${version}`);
  const check = ajv.compile(structural(schema, true));
  const apiVersion = `${crd.spec.group}/${version}`;
  return (object: unknown) => {
    const errors: string[] = [];
    const typed = object as { apiVersion?: unknown; kind?: unknown };
    if (typed?.apiVersion !== apiVersion) errors.push(`apiVersion is ${String(typed?.apiVersion)}, want ${apiVersion}`);
    if (typed?.kind !== kind) errors.push(`kind is ${String(typed?.kind)}, want ${kind}`);
    if (!check(object)) {
      for (const error of check.errors ?? []) {
        const detail = error.params['additionalProperty'] ? ` (${String(error.params['additionalProperty'])})` : '';
        errors.push(`${error.instancePath || '/'} ${error.message ?? 'is invalid'}${detail}`);
      }
    }
    return errors;
  };
}

/** Kubernetes' structural-schema extensions, said in plain JSON Schema. */
function structural(schema: SchemaObject, isRoot = false): SchemaObject {
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'description') continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, SchemaObject>).map(([name, sub]) => [name, structural(sub)]));
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = typeof value === 'object' ? structural(value as SchemaObject) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as SchemaObject[]).map((sub) => structural(sub));
    } else {
      out[key] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out['type'];
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  const preservesUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (out['properties'] && out['additionalProperties'] === undefined && !preservesUnknown) {
    out['additionalProperties'] = false;
  }
  if (isRoot && out['properties']) {
    // ObjectMeta is not spelled out in CRDs; the API server validates it itself.
    out['properties'] = { ...out['properties'], metadata: { type: 'object' } };
  }
  return out;
}
