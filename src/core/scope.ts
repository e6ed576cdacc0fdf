/** Where a request acts: resources are kept per account and region, as on AWS. */
export interface Scope {
  readonly account: string;
  readonly region: string;
}
