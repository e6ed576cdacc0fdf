import type { LbType } from './elbv2-arn.ts';

/**
 * The Route 53 hosted zone of each region's load balancer DNS names (CanonicalHostedZoneId), as
 * AWS lists them in "Elastic Load Balancing endpoints and quotas": one zone for Application (and
 * Classic) Load Balancers, another for Network Load Balancers.
 */
const ZONES: Readonly<Record<string, { application: string; network: string }>> = {
  'us-east-1': { application: 'Z35SXDOTRQ7X7K', network: 'Z26RNL4JYFTOTI' },
  'us-east-2': { application: 'Z3AADJGX6KTTL2', network: 'ZLMOA37VPKANP' },
  'us-west-1': { application: 'Z368ELLRRE2KJ0', network: 'Z24FKFUX50B4VW' },
  'us-west-2': { application: 'Z1H1FL5HABSF5', network: 'Z18D5FSROUN65G' },
  'ca-central-1': { application: 'ZQSVJUPU6J1EY', network: 'Z2EPGBW3API2WT' },
  'af-south-1': { application: 'Z268VQBMOI5EKX', network: 'Z203XCE67M25HM' },
  'ap-east-1': { application: 'Z3DQVH9N71FHZ0', network: 'Z12Y7K3UBGUAD1' },
  'ap-south-1': { application: 'ZP97RAFLXTNZK', network: 'ZVDDRBQ08TROA' },
  'ap-northeast-1': { application: 'Z14GRHDCWA56QT', network: 'Z31USIVHYNEOWT' },
  'ap-northeast-2': { application: 'ZWKZPGTI48KDX', network: 'ZIBE1TIR4HY56' },
  'ap-northeast-3': { application: 'Z5LXEXXYW11ES', network: 'Z1GWIQ4HH19I5X' },
  'ap-southeast-1': { application: 'Z1LMS91P8CMLE5', network: 'ZKVM4W9LS7TM' },
  'ap-southeast-2': { application: 'Z1GM3OXH4ZPM65', network: 'ZCT6FZBF4DROD' },
  'eu-central-1': { application: 'Z215JYRZR1TBD5', network: 'Z3F0SRJ5LGBH90' },
  'eu-west-1': { application: 'Z32O12XQLNTSW2', network: 'Z2IFOLAFXWLO4F' },
  'eu-west-2': { application: 'ZHURV8PSTC4K8', network: 'ZD4D7Y8KGAS4G' },
  'eu-west-3': { application: 'Z3Q77PNBQS71R4', network: 'Z1CMS0P5QUZ6D5' },
  'eu-north-1': { application: 'Z23TAZ6LKFMNIO', network: 'Z1UDT6IFJ4EJM' },
  'eu-south-1': { application: 'Z3ULH7SSC9OV64', network: 'Z23146JA1KNAFP' },
  'me-south-1': { application: 'ZS929ML54UICD', network: 'Z3QSRYVP46NYYV' },
  'sa-east-1': { application: 'Z2P70J7HTTTPLU', network: 'ZTK26PT1VY4CU' },
  'us-gov-west-1': { application: 'Z33AYJ8TM3BH4J', network: 'ZMG1MZ2THAWF1' },
  'us-gov-east-1': { application: 'Z166TLBEWOO7G0', network: 'Z1ZSMQQ6Q24QQ8' },
  'cn-north-1': { application: 'Z1GDH35T77C1KE', network: 'Z3QFB96KMJ7ED6' },
  'cn-northwest-1': { application: 'ZM7IZAIOVVDZF', network: 'ZQEIKTCZ8352D' },
};

/** The hosted zone of a load balancer's DNS name; a region AWS does not list gets us-east-1's. */
export function canonicalHostedZoneId(type: LbType, region: string): string {
  return (ZONES[region] ?? ZONES['us-east-1']!)[type];
}
