import { hash, verify } from '@node-rs/argon2';

// argon2id (algorithm 2), OWASP's minimum parameters: 19 MiB, 2 iterations, 1 lane.
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, OPTIONS as never);
export const verifyPassword = (hashed: string, password: string) => verify(hashed, password).catch(() => false);

/** A hash verified when the account does not exist, so that timing does not reveal which e-mails have accounts. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword('compte-inexistant-leurre'));

export function passwordProblem(password: string): string | null {
  if (password.length < 12) return 'Le mot de passe doit compter au moins 12 caractères.';
  if (password.length > 200) return 'Le mot de passe ne doit pas dépasser 200 caractères.';
  return null;
}
