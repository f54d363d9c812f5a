/**
 * A personal client credential as the C1 API returns it
 * (`c1.api.iam.v1.PersonalClient`). Every field is nullable upstream.
 */
export interface PersonalClient {
  id: string | null;
  clientId: string | null;
  displayName: string | null;
  userId: string | null;
  allowSourceCidr: string[] | null;
  scopedRoles: string[] | null;
  createdAt: string | null;
  updatedAt: string | null;
  deletedAt: string | null;
  expiresTime: string | null;
  lastUsedAt: string | null;
}

export const PERSONAL_CLIENT_FIELDS = [
  'id',
  'clientId',
  'displayName',
  'userId',
  'allowSourceCidr',
  'scopedRoles',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'expiresTime',
  'lastUsedAt',
] as const satisfies readonly (keyof PersonalClient)[];
