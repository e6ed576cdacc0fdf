import type { DescribeImagesRequest, DescribeImagesResponse } from '@aws-sdk/client-ecr';
import { ecrError } from '../../core/ecr/ecr-errors.ts';
import type { Wire } from '../../core/wire.ts';
import { getImage, getTag, type ImageRecord, listImages, tagsOf } from '../../store/ecr-images.ts';
import type { OperationContext } from '../operation.ts';
import { encodeToken, isString } from '../protocol/pagination.ts';
import { ecrPage, imageIdText, requireRepository } from './ecr-deps.ts';
import { imageDetail } from './image-view.ts';

export async function describeImages(
  ctx: OperationContext,
  input: Wire<DescribeImagesRequest>,
): Promise<Wire<DescribeImagesResponse>> {
  const db = ctx.deps.store.db;
  const name = input.repositoryName!;
  await requireRepository(db, ctx.scope, name, input.registryId);
  const k = { scope: ctx.scope, repository: name };
  if (input.imageIds) {
    const found: ImageRecord[] = [];
    for (const id of input.imageIds) {
      const digest =
        id.imageDigest ?? (id.imageTag !== undefined ? await getTag(db, k, id.imageTag) : undefined);
      const tagged = id.imageTag === undefined || (await getTag(db, k, id.imageTag)) === digest;
      const image = digest !== undefined && tagged ? await getImage(db, k, digest) : undefined;
      if (!image) {
        throw ecrError(
          'ImageNotFoundException',
          `The image with imageId ${imageIdText(id)} does not exist within the repository with name '${name}' in the registry with id '${ctx.scope.account}'`,
        );
      }
      if (!found.some((f) => f.digest === image.digest)) found.push(image);
    }
    const tags = await tagsOf(
      db,
      k,
      found.map((i) => i.digest),
    );
    return { imageDetails: found.map((i) => imageDetail(ctx.scope, name, i, tags.get(i.digest) ?? [])) };
  }
  const { limit, after } = ecrPage(input, isString);
  const status = input.filter?.tagStatus ?? 'ANY';
  const shown = [];
  let cursor = after;
  let more = false;
  // Filtering by tag status happens after the page is read: read on until the page is full.
  for (;;) {
    const page = await listImages(db, k, { after: cursor, limit: limit + 1 });
    const tags = await tagsOf(
      db,
      k,
      page.map((i) => i.digest),
    );
    for (const image of page.slice(0, limit)) {
      cursor = image.digest;
      const t = tags.get(image.digest) ?? [];
      if (status === 'TAGGED' && t.length === 0) continue;
      if (status === 'UNTAGGED' && t.length > 0) continue;
      shown.push(imageDetail(ctx.scope, name, image, t));
      if (shown.length === limit) break;
    }
    if (shown.length === limit) {
      more = page.length > limit || page.at(-1)?.digest !== cursor;
      break;
    }
    if (page.length <= limit) break;
  }
  return { imageDetails: shown, ...(more && cursor !== undefined && { nextToken: encodeToken(cursor) }) };
}
