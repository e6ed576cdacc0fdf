import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A shape of an AWS service model (botocore's service-2.json), as far as neargate reads it. */
export interface Shape {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'double'
    | 'float'
    | 'timestamp'
    | 'blob';
  members?: Record<string, { shape: string; locationName?: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  exception?: boolean;
  document?: boolean;
  /** Values of this shape are secrets: never quoted back in messages. */
  sensitive?: boolean;
}

export interface ServiceModel {
  metadata: {
    apiVersion: string;
    endpointPrefix: string;
    protocol: string;
    signingName?: string;
    targetPrefix?: string;
    jsonVersion?: string;
  };
  operations: Record<string, { name: string; input?: { shape: string }; output?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

/** Loads `models/<name>.json.gz`, a copy of botocore's model of that service. */
export function loadServiceModel(name: string): ServiceModel {
  const file = new URL(`../../../models/${name}.json.gz`, import.meta.url);
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as ServiceModel;
}
