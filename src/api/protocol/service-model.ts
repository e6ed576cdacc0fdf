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
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  /** Query and XML: list items (or map entries) repeat the member's own name, without a wrapper. */
  flattened?: boolean;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  exception?: boolean;
  /** Query and XML services: the wire code and status of an exception shape. */
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  document?: boolean;
  /** Values of this shape are secrets: never quoted back in messages. */
  sensitive?: boolean;
}

/** A reference from a structure, list or map to the shape of one of its parts. */
export interface MemberRef {
  shape: string;
  /** The name on the wire (Query keys and XML elements), when it is not the member's. */
  locationName?: string;
  flattened?: boolean;
}

export interface ServiceModel {
  metadata: {
    apiVersion: string;
    endpointPrefix: string;
    protocol: string;
    signingName?: string;
    targetPrefix?: string;
    jsonVersion?: string;
    /** Query and XML services: the namespace of every response document. */
    xmlNamespace?: string;
  };
  operations: Record<
    string,
    {
      name: string;
      input?: { shape: string };
      /** Query services wrap the output in `<resultWrapper>` (`DescribeLoadBalancersResult`). */
      output?: { shape: string; resultWrapper?: string };
      errors?: { shape: string }[];
    }
  >;
  shapes: Record<string, Shape>;
}

/** Loads `models/<name>.json.gz`, a copy of botocore's model of that service. */
export function loadServiceModel(name: string): ServiceModel {
  const file = new URL(`../../../models/${name}.json.gz`, import.meta.url);
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as ServiceModel;
}
