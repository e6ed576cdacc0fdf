import { ecrError } from '../../core/ecr/ecr-errors.ts';

/** ECR's tag rules: at most 50, keys not starting with `aws:`. */
export function checkEcrTags(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[],
): { Key: string; Value: string }[] {
  if (tags.length > 50) throw ecrError('TooManyTagsException', 'A resource can have at most 50 tags');
  return tags.map((t) => {
    if (t.Key === undefined || t.Value === undefined) {
      throw ecrError('InvalidTagParameterException', 'A tag must have both a key and a value');
    }
    if (t.Key.toLowerCase().startsWith('aws:')) {
      throw ecrError('InvalidTagParameterException', `Tag key '${t.Key}' uses the reserved prefix 'aws:'`);
    }
    return { Key: t.Key, Value: t.Value };
  });
}
