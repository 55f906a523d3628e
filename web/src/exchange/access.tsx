import type { CompteSession } from '../types';

export const isOfficer = (account: CompteSession | null) => account?.roles.includes('charge_echanges') ?? false;
export const canRead = (account: CompteSession | null) => isOfficer(account) || (account?.roles.includes('administrateur') ?? false);

export { AccessDenied } from '../components/AccessDenied';
