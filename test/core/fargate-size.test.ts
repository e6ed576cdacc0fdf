import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fargateMemoryChoices,
  isFargateSize,
  parseCpuUnits,
  parseMemoryMiB,
} from '../../src/core/ecs/fargate-size.ts';

test('every documented Fargate size is accepted, and its neighbours are not', () => {
  const table: [number, number, number, number][] = [
    [512, 4096, 1024, 1024],
    [1024, 8192, 2048, 1024],
    [2048, 16_384, 4096, 1024],
    [4096, 30_720, 8192, 1024],
    [8192, 61_440, 16_384, 4096],
    [16_384, 122_880, 32_768, 8192],
  ];
  for (const [cpu, max, min, step] of table) {
    for (let m = min; m <= max; m += step) assert.ok(isFargateSize(cpu, m), `${cpu}/${m}`);
    assert.ok(!isFargateSize(cpu, min - step), `${cpu}/${min - step}`);
    assert.ok(!isFargateSize(cpu, max + step), `${cpu}/${max + step}`);
    assert.ok(!isFargateSize(cpu, min + step / 2), `${cpu}/${min + step / 2}`);
  }
  assert.deepEqual(fargateMemoryChoices(256), [512, 1024, 2048]);
  assert.ok(!isFargateSize(256, 1536));
  assert.ok(!isFargateSize(3072, 8192));
});

test('cpu and memory are read in units and in vCPU or GB', () => {
  assert.equal(parseCpuUnits('1024'), 1024);
  assert.equal(parseCpuUnits('1 vCPU'), 1024);
  assert.equal(parseCpuUnits('.25 vcpu'), undefined);
  assert.equal(parseCpuUnits('0.25 vcpu'), 256);
  assert.equal(parseCpuUnits('lots'), undefined);
  assert.equal(parseCpuUnits(''), undefined);
  assert.equal(parseMemoryMiB('2 GB'), 2048);
  assert.equal(parseMemoryMiB('0.5GB'), 512);
  assert.equal(parseMemoryMiB('512'), 512);
  assert.equal(parseMemoryMiB('1.5'), undefined);
});
