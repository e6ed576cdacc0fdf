import { secretsError } from './secrets-errors.ts';

/** What ListSecrets filters look at in a secret. */
export interface FilterableSecret {
  name: string;
  description: string | undefined;
  tags: readonly { key: string; value: string }[];
}

export interface SecretFilter {
  Key?: string | undefined;
  Values?: readonly string[] | undefined;
}

/**
 * ListSecrets' filters, as the model documents them: `name`, `tag-key`, `tag-value`,
 * `primary-region` and `owning-service` match prefixes case-sensitively, `description` ignoring
 * case, `all` looks for each word of the value in every attribute ignoring case. Values of one
 * key are alternatives, keys all apply, and a value starting with `!` excludes what it matches.
 */
export function secretFilter(filters: readonly SecretFilter[]): (s: FilterableSecret) => boolean {
  const checks = filters.map((f) => {
    if (!f.Values || f.Values.length === 0) {
      throw secretsError('InvalidParameterException', `Invalid filter values for key: ${f.Key}`);
    }
    const match = matcher(f.Key ?? '');
    const wanted = f.Values.filter((v) => !v.startsWith('!'));
    const unwanted = f.Values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    return (s: FilterableSecret) =>
      (wanted.length === 0 || wanted.some((v) => match(s, v))) && !unwanted.some((v) => match(s, v));
  });
  return (s) => checks.every((c) => c(s));
}

type Match = (s: FilterableSecret, value: string) => boolean;

function matcher(key: string): Match {
  switch (key) {
    case 'name':
      return (s, v) => s.name.startsWith(v);
    case 'description':
      return (s, v) => (s.description ?? '').toLowerCase().startsWith(v.toLowerCase());
    case 'tag-key':
      return (s, v) => s.tags.some((t) => t.key.startsWith(v));
    case 'tag-value':
      return (s, v) => s.tags.some((t) => t.value.startsWith(v));
    case 'all':
      return (s, v) => {
        const words = attributeWords(s);
        return v
          .toLowerCase()
          .split(/\s+/)
          .filter(Boolean)
          .every((w) => words.some((x) => x.startsWith(w)));
      };
    // Secrets here are never replicated nor owned by another service.
    case 'primary-region':
    case 'owning-service':
      return () => false;
    default:
      throw secretsError('InvalidParameterException', `Invalid filter key: ${key}`);
  }
}

/** Every attribute, whole and cut into words, lowercased. */
function attributeWords(s: FilterableSecret): string[] {
  const attrs = [s.name, s.description ?? '', ...s.tags.flatMap((t) => [t.key, t.value])].map((a) =>
    a.toLowerCase(),
  );
  return [...attrs, ...attrs.flatMap((a) => a.split(/[\s/_+=.@:-]+/))].filter(Boolean);
}
