import type { ImageIdentifier, ListImagesRequest, ListImagesResponse } from '@aws-sdk/client-ecr';
import type { Wire } from '../../core/wire.ts';
import { listImages as listImageRecords, tagsOf } from '../../store/ecr-images.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { ecrPage, requireRepository } from './ecr-deps.ts';

/** One id per tag, and one for each untagged image, in digest order; a page holds `maxResults` images. */
export async function listImages(
  ctx: OperationContext,
  input: Wire<ListImagesRequest>,
): Promise<Wire<ListImagesResponse>> {
  const db = ctx.deps.store.db;
  const name = input.repositoryName!;
  await requireRepository(db, ctx.scope, name, input.registryId);
  const k = { scope: ctx.scope, repository: name };
  const { limit, after } = ecrPage(input, isString);
  const status = input.filter?.tagStatus ?? 'ANY';
  const page = await listImageRecords(db, k, { after, limit: limit + 1 });
  const shown = page.slice(0, limit);
  const tags = await tagsOf(
    db,
    k,
    shown.map((i) => i.digest),
  );
  const ids: Wire<ImageIdentifier>[] = [];
  for (const image of shown) {
    const t = tags.get(image.digest) ?? [];
    if (t.length === 0 && status !== 'TAGGED') ids.push({ imageDigest: image.digest });
    if (status !== 'UNTAGGED') for (const tag of t) ids.push({ imageDigest: image.digest, imageTag: tag });
  }
  return { imageIds: ids, ...(page.length > limit && { nextToken: encodeToken(shown.at(-1)!.digest) }) };
}
