import { RuntimeError } from './runtime-error.ts';

/** The identity a container's process runs with. */
export interface ExecUser {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: those of /etc/group that list the user, when the group was not given. */
  readonly additionalGids: readonly number[];
  readonly home: string;
}

/** The text of the image's /etc/passwd and /etc/group; absent files are like empty ones. */
export interface UserDatabase {
  readonly passwd?: string;
  readonly group?: string;
}

const MAX_ID = 2 ** 31 - 1;

/**
 * Resolves a Docker/ECS `user` (`uid`, `uid:gid`, `name`, `name:group`, or empty for root) against
 * the image's user database, as Docker does: a name must exist; a number need not (its gid is then
 * 0); supplementary groups come from /etc/group only when no group was named.
 */
export function resolveExecUser(user: string | undefined, db: UserDatabase): ExecUser {
  const [userPart = '', groupPart = ''] = (user ?? '').split(':', 2);
  const uidArg = parseId(userPart);
  const gidArg = parseId(groupPart);
  const users = parseColonFile(db.passwd);
  const found = users.find((fields) =>
    userPart === ''
      ? Number(fields[2]) === 0
      : uidArg !== null
        ? Number(fields[2]) === uidArg
        : fields[0] === userPart,
  );
  let uid = 0;
  let gid = 0;
  let home = '/';
  let name: string | null = null;
  if (found) {
    name = found[0] ?? '';
    uid = Number(found[2]);
    gid = Number(found[3]);
    home = found[5] || '/';
  } else if (userPart !== '') {
    if (uidArg === null) throw invalid(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = uidArg;
  }
  let additionalGids: number[] = [];
  const groups = parseColonFile(db.group);
  if (groupPart !== '') {
    const group = groups.find((fields) =>
      gidArg !== null ? Number(fields[2]) === gidArg : fields[0] === groupPart,
    );
    if (group) gid = Number(group[2]);
    else if (gidArg !== null) gid = gidArg;
    else throw invalid(`unable to find group ${groupPart}: no matching entries in group file`);
  } else if (name !== null) {
    additionalGids = groups
      .filter((fields) => (fields[3] ?? '').split(',').includes(name))
      .map((fields) => Number(fields[2]));
  }
  return { uid, gid, additionalGids: [...new Set(additionalGids)], home };
}

function parseId(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const id = Number(text);
  if (id > MAX_ID) throw invalid(`user or group id "${text}" is out of range`);
  return id;
}

// Lines of name:x:id:... with a numeric third field; others (comments, NIS "+" lines) are skipped.
function parseColonFile(text: string | undefined): string[][] {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim().split(':'))
    .filter((fields) => fields.length >= 3 && !fields[0]?.startsWith('#') && /^\d+$/.test(fields[2] ?? ''));
}

function invalid(message: string): RuntimeError {
  return new RuntimeError('InvalidContainerConfig', message);
}
