import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LinkAlias } from '../../../src/agent/network/link-alias.ts';
import { formatLinkAlias, parseLinkAlias } from '../../../src/agent/network/link-alias.ts';

describe('link aliases', () => {
  const aliases: LinkAlias[] = [
    {
      kind: 'subnet',
      subnetId: 'subnet-0a1b',
      vpcId: 'vpc-9',
      cidr: '172.31.0.0/20',
      vpcCidr: '172.31.0.0/16',
      privateWithNat: true,
    },
    {
      kind: 'task',
      taskId: '0123456789abcdef0123456789abcdef',
      subnetId: 'subnet-0a1b',
      ipv4: '172.31.0.4',
      macAddress: '0a:58:ac:1f:00:04',
      assignPublicIp: false,
      eniId: 'eni-0123456789abcdef0',
    },
  ];

  it('round-trip, fit the kernel limit and read well', () => {
    for (const alias of aliases) {
      const text = formatLinkAlias('neargate:ng', alias);
      assert.ok(text.length < 255);
      assert.ok(!/["\n]/.test(text));
      assert.deepEqual(parseLinkAlias('neargate:ng', text), alias);
    }
    assert.equal(
      formatLinkAlias('neargate:ng', aliases[0]!),
      'neargate:ng subnet id=subnet-0a1b vpc=vpc-9 cidr=172.31.0.0/20 vpc-cidr=172.31.0.0/16 nat=1',
    );
  });

  it('ignores aliases of other prefixes and anything malformed', () => {
    const text = formatLinkAlias('neargate:ng', aliases[1]!);
    assert.equal(parseLinkAlias('neargate:nt1', text), undefined);
    for (const bad of [
      undefined,
      '',
      'my bridge',
      'neargate:ng task id=x ip=1.2.3',
      'neargate:ng disk id=x',
    ]) {
      assert.equal(parseLinkAlias('neargate:ng', bad), undefined, String(bad));
    }
  });
});
