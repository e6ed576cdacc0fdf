import { secretsError } from './secrets-errors.ts';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

/** A secret version as far as staging labels go. */
export interface StagedVersion {
  versionId: string;
  stages: readonly string[];
  /** Order of creation. */
  seq: number;
}

/** How many versions without a label (deprecated) a secret keeps; older ones are dropped. */
export const MAX_DEPRECATED_VERSIONS = 100;

/** The version holding a label, if any (a label is on one version at most). */
export function holderOf(versions: readonly StagedVersion[], stage: string): StagedVersion | undefined {
  return versions.find((v) => v.stages.includes(stage));
}

/**
 * The labels of every version once a new version takes `stages` (PutSecretValue, UpdateSecret):
 * each label leaves the version that had it, and when AWSCURRENT moves, the version it left
 * becomes AWSPREVIOUS. Returns the new labels of every version whose labels change, the new one included.
 */
export function stagesAfterPut(
  versions: readonly StagedVersion[],
  newVersionId: string,
  stages: readonly string[],
): Map<string, string[]> {
  const next = new Map(versions.map((v) => [v.versionId, [...v.stages]]));
  const current = holderOf(versions, AWSCURRENT);
  for (const [id, labels] of next)
    next.set(
      id,
      labels.filter((s) => !stages.includes(s)),
    );
  next.set(newVersionId, [...new Set(stages)]);
  if (stages.includes(AWSCURRENT) && current && current.versionId !== newVersionId) {
    demoteToPrevious(next, current.versionId);
  }
  return changed(versions, next);
}

/**
 * UpdateSecretVersionStage: moves `stage` from `removeFrom` to `moveTo` (either may be absent).
 * A label already on another version must be named in RemoveFromVersionId, and AWSCURRENT can
 * only move, never be removed. Throws AWS's errors; returns the versions whose labels change.
 */
export function stagesAfterMove(
  versions: readonly StagedVersion[],
  stage: string,
  removeFrom: string | undefined,
  moveTo: string | undefined,
): Map<string, string[]> {
  const known = (id: string) => {
    if (!versions.some((v) => v.versionId === id)) {
      throw secretsError('InvalidParameterException', `Not a valid version: ${id}`);
    }
  };
  if (removeFrom !== undefined) known(removeFrom);
  if (moveTo !== undefined) known(moveTo);
  const holder = holderOf(versions, stage);
  if (removeFrom !== undefined && holder?.versionId !== removeFrom) {
    throw secretsError(
      'InvalidParameterException',
      `Version stage ${stage} not found in version ${removeFrom}`,
    );
  }
  if (moveTo !== undefined && holder && holder.versionId !== moveTo && removeFrom === undefined) {
    throw secretsError(
      'InvalidParameterException',
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  }
  if (stage === AWSCURRENT && moveTo === undefined) {
    throw secretsError(
      'InvalidParameterException',
      `You can only move staging label ${AWSCURRENT} to a different secret version. It can't be completely removed.`,
    );
  }
  const next = new Map(versions.map((v) => [v.versionId, [...v.stages]]));
  if (removeFrom !== undefined)
    next.set(
      removeFrom,
      next.get(removeFrom)!.filter((s) => s !== stage),
    );
  if (moveTo !== undefined && !next.get(moveTo)!.includes(stage)) next.get(moveTo)!.push(stage);
  if (stage === AWSCURRENT && removeFrom !== undefined && removeFrom !== moveTo) {
    demoteToPrevious(next, removeFrom);
  }
  return changed(versions, next);
}

/** Versions to drop: the oldest deprecated (label-less) ones past the limit. */
export function deprecatedToDrop(
  versions: readonly StagedVersion[],
  stagesById: ReadonlyMap<string, readonly string[]>,
  limit = MAX_DEPRECATED_VERSIONS,
): string[] {
  const deprecated = versions
    .filter((v) => (stagesById.get(v.versionId) ?? v.stages).length === 0)
    .sort((a, b) => a.seq - b.seq);
  return deprecated.slice(0, Math.max(0, deprecated.length - limit)).map((v) => v.versionId);
}

/** The old AWSCURRENT version becomes AWSPREVIOUS, which leaves every other version. */
function demoteToPrevious(next: Map<string, string[]>, versionId: string): void {
  for (const [id, labels] of next)
    next.set(
      id,
      labels.filter((s) => s !== AWSPREVIOUS),
    );
  const labels = next.get(versionId)!;
  if (!labels.includes(AWSPREVIOUS)) labels.push(AWSPREVIOUS);
}

function changed(before: readonly StagedVersion[], next: Map<string, string[]>): Map<string, string[]> {
  const old = new Map(before.map((v) => [v.versionId, v.stages]));
  const out = new Map<string, string[]>();
  for (const [id, labels] of next) {
    const was = old.get(id);
    if (!was || was.length !== labels.length || was.some((s, i) => s !== labels[i])) out.set(id, labels);
  }
  return out;
}
